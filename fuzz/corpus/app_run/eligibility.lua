function run(ctx)
	local e = commune.eligibility({at = "2024-03-01", facts = {["household.persons"] = 2}})
	local n = 0
	for _, it in ipairs(e.items) do
		if it.eligible then
			commune.write("social.allowance", {period_start = "2024-03-01", kind = "other",
				amount = #it.why.facts, payer = "city"})
			n = n + 1
		end
	end
	local ok = pcall(commune.eligibility, {facts = {["shoe.size"] = 1}})
	return {n = n, bad = ok, units = e.facts["household.consumption_units"].value}
end
