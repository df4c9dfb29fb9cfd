-- Mes Aides Directes: the aids of the territory a household may claim,
-- simulated from the eligibility rules (rules/*.json) by the rules engine
-- on its own records, with why (which fact decided), the amount when the
-- rule gives one, and how to apply (steps and documents, in French and
-- English). Nothing leaves the store; the person may then share the
-- simulation with a social worker for a few days.
--
-- Reads household.profile (declared, members), and lets the engine read
-- the latest tax notice and the recent allowances (commune.eligibility);
-- writes one social.aid.simulation record per rule in force.
-- docs/apps/aides-directes.md says how.

-- the words of the facts rules read
local FACT_NAMES = {
	["tax.family_quotient"] = {fr = "quotient familial", en = "family quotient"},
	["tax.family_quotient_taxable"] = {fr = "quotient familial (revenu imposable)",
					   en = "family quotient (taxable income)"},
	["tax.reference_income"] = {fr = "revenu fiscal de référence", en = "reference income"},
	["tax.reference_income_per_unit"] = {fr = "revenu fiscal de référence par unité de consommation",
					     en = "reference income per consumption unit"},
	["household.consumption_units"] = {fr = "unités de consommation du foyer",
					   en = "the household's consumption units"},
	["residence.commune"] = {fr = "commune de résidence", en = "commune of residence"},
	["allowance.kinds"] = {fr = "prestations perçues", en = "allowances received"},
	["person.age"] = {fr = "âge", en = "age"},
	["student.grant_level"] = {fr = "échelon de bourse", en = "grant level"},
}

-- where a missing fact would come from
local MISSING_HINT = {
	tax = {fr = "importez votre dernier avis d'impôt", en = "import your latest tax notice"},
	household = {fr = "déclarez votre foyer (profil du foyer)", en = "declare your household (household profile)"},
	residence = {fr = "importez votre dernier avis d'impôt", en = "import your latest tax notice"},
	person = {fr = "indiquez votre date de naissance", en = "give your date of birth"},
	student = {fr = "indiquez votre échelon de bourse", en = "give your grant level"},
	allowance = {fr = "importez vos versements de prestations", en = "import your allowance payments"},
}

local function t(fr, en)
	return {fr = fr, en = en}
end

local ID = t("une pièce d'identité", "an identity document")
local ADDRESS = t("un justificatif de domicile de moins de 3 mois", "a proof of address less than 3 months old")
local TAX = t("votre dernier avis d'impôt sur le revenu", "your latest income tax notice")
local CAF = t("ou l'attestation de quotient familial de la CAF si vous êtes allocataire",
	      "or the CAF's family quotient certificate if the CAF pays you")

-- How to apply, by rule. The official pages are the rules' sources; a rule
-- without an entry gets the general one (the authority, or the CCAS).
local PROCEDURES = {
	["bordeaux_metropole.tbm_solidaire"] = {
		where = t("en ligne sur le site de la tarification solidaire de Bordeaux Métropole, ou dans une agence TBM",
			  "online on Bordeaux Métropole's solidarity fare site, or at a TBM agency"),
		url = "https://tarificationsolidaire.bordeaux-metropole.fr/Accueil.aspx",
		steps = {
			t("Créez votre compte sur le site de la tarification solidaire (ou allez en agence TBM).",
			  "Create your account on the solidarity fare site (or go to a TBM agency)."),
			t("Déposez les justificatifs demandés pour chaque membre du foyer qui voyage.",
			  "Upload the documents asked for each member of the household who travels."),
			t("Une fois le droit accordé, chargez l'abonnement solidaire sur votre carte TBM ; le droit est à renouveler chaque année.",
			  "Once the right is granted, load the solidarity pass on your TBM card; the right is renewed every year."),
		},
		documents = {TAX, CAF, ID, ADDRESS},
	},
	["nantes_metropole.naolib_solidaire"] = {
		where = t("au CCAS ou au service social de votre mairie (commune de Nantes Métropole)",
			  "at the CCAS or the social service of your town hall (a commune of Nantes Métropole)"),
		url = "https://metropole.nantes.fr/actualites/2022/institutions/conseil-metropolitain-4-10-22/tarification-solidaire-tc-velo",
		steps = {
			t("Prenez rendez-vous au CCAS ou au service social de votre mairie.",
			  "Make an appointment at the CCAS or the social service of your town hall."),
			t("Apportez les justificatifs ; la mairie calcule votre quotient et vous remet l'attestation de droit.",
			  "Bring the documents; the town hall computes your quotient and gives you the certificate of your right."),
			t("Présentez l'attestation en agence Naolib pour obtenir le titre réduit ou gratuit.",
			  "Show the certificate at a Naolib agency to get the reduced or free pass."),
		},
		documents = {TAX, CAF, ID, ADDRESS,
			     t("la notification de l'AAH si vous la percevez", "the AAH award letter if you receive it")},
	},
	["eurometropole_strasbourg.cts_solidaire"] = {
		where = t("dans une agence CTS (Boutique CTS) de l'Eurométropole", "at a CTS agency (Boutique CTS) of the Eurométropole"),
		url = "https://www.strasbourg.eu/tarification-solidaire-transports-en-commun",
		steps = {
			t("Rendez-vous dans une agence CTS avec les justificatifs.", "Go to a CTS agency with the documents."),
			t("L'agence établit votre droit au tarif solidaire selon votre quotient familial.",
			  "The agency sets your right to the solidarity fare from your family quotient."),
			t("Rechargez chaque mois l'abonnement au tarif solidaire sur votre carte Badgéo.",
			  "Top up the solidarity monthly pass on your Badgéo card each month."),
		},
		documents = {TAX, CAF, ID, ADDRESS},
	},
	["france.cheque_energie"] = {
		where = t("aucune démarche : l'État l'envoie par courrier au printemps, d'après votre déclaration de revenus",
			  "nothing to apply for: the State sends it by post in spring, from your income tax return"),
		url = "https://www.chequeenergie.gouv.fr/",
		steps = {
			t("Déclarez vos revenus chaque année, même faibles ou nuls : c'est ce qui ouvre le droit.",
			  "File your income tax return every year, even with low or no income: that is what opens the right."),
			t("Le chèque arrive par courrier au printemps ; vérifiez votre éligibilité sur chequeenergie.gouv.fr si rien n'arrive.",
			  "The voucher comes by post in spring; check your eligibility on chequeenergie.gouv.fr if nothing comes."),
			t("Payez avec lui une facture d'énergie (électricité, gaz, fioul, bois) ou des travaux de rénovation, ou enregistrez-le en ligne auprès de votre fournisseur.",
			  "Pay an energy bill (electricity, gas, fuel oil, wood) or renovation work with it, or register it online with your supplier."),
		},
		documents = {t("votre déclaration de revenus de l'année", "your income tax return of the year")},
	},
	["villebrune.loisirs_solidaire"] = {
		where = t("dans commune, page « Mes droits », puis au guichet du lieu de loisirs",
			  "in commune, page \"My rights\", then at the desk of the leisure venue"),
		steps = {
			t("Dans « Mes droits », demandez l'attestation du tarif réduit loisirs.",
			  "In \"My rights\", ask for the attestation of the reduced leisure fare."),
			t("Présentez-la au musée, à la piscine, au cinéma ou au club : il voit votre droit, pas votre situation.",
			  "Present it at the museum, the pool, the cinema or the club: they see your right, not your situation."),
		},
		documents = {t("l'attestation délivrée par commune (rien d'autre)", "the attestation commune issues (nothing else)")},
	},
}

local function general_procedure(item)
	local who = item.authority or "?"
	return {
		where = t("auprès de " .. who .. ", ou du CCAS de votre commune", "with " .. who .. ", or your town's CCAS"),
		steps = {
			t("Contactez l'organisme qui décide de l'aide (" .. who .. ") ou le CCAS de votre commune.",
			  "Contact the body that decides the aid (" .. who .. ") or your town's CCAS."),
			t("Apportez les justificatifs ci-dessous ; partagez cette simulation avec votre travailleur social si vous le souhaitez.",
			  "Bring the documents below; share this simulation with your social worker if you wish."),
		},
		documents = {TAX, ID, ADDRESS},
	}
end

local function fact_words(name)
	return FACT_NAMES[name] or t(name, name)
end

-- show - a value in words; numbers with two decimals, the decimal mark
-- given (French: ",")
local function show(v, mark)
	if type(v) == "number" then
		if math.type(v) == "integer" then
			return tostring(v)
		end
		local text = string.format("%.2f", v)
		if mark ~= nil then
			text = string.gsub(text, "%.", mark)
		end
		return text
	elseif type(v) == "table" then
		if #v == 0 then
			return "-"
		end
		return table.concat(v, ", ")
	end
	return tostring(v)
end

-- the bounds of a band in words: "de 551 à moins de 611"
local function bounds_words(b)
	local lo_fr, lo_en, hi_fr, hi_en
	if b.from ~= nil then
		lo_fr, lo_en = "à partir de " .. show(b.from), "from " .. show(b.from)
	elseif b.above ~= nil then
		lo_fr, lo_en = "au-delà de " .. show(b.above), "above " .. show(b.above)
	end
	if b.below ~= nil then
		hi_fr, hi_en = "moins de " .. show(b.below), "below " .. show(b.below)
	elseif b.to ~= nil then
		hi_fr, hi_en = "jusqu'à " .. show(b.to), "up to " .. show(b.to)
	end
	if lo_fr and hi_fr then
		return lo_fr .. " et " .. hi_fr, lo_en .. " and " .. hi_en
	end
	return lo_fr or hi_fr or "", lo_en or hi_en or ""
end

local function fact_value(facts, name)
	for _, f in ipairs(facts) do
		if f.name == name then
			return f.value
		end
	end
	return nil
end

-- reasons - why, in words: each condition and the fact it read, each band
-- the value fell in, each fact missing
local function reasons(item, why)
	local out, failed = {}, false
	for _, c in ipairs(why.conditions or {}) do
		local name = c.fact
		if name ~= nil then
			local w = fact_words(name)
			local v = fact_value(why.facts or {}, name)
			if c.holds == true then
				out[#out + 1] = t("Condition remplie : " .. w.fr .. " (" .. show(v, ",") .. ").",
						  "Condition met: " .. w.en .. " (" .. show(v) .. ").")
			elseif c.holds == false and string.find(c.pointer, "/overrides/", 1, true) == nil then
				out[#out + 1] = t("Condition non remplie : " .. w.fr .. " (" .. show(v, ",") .. ") hors des critères de l'aide.",
						  "Condition not met: " .. w.en .. " (" .. show(v) .. ") outside the aid's criteria.")
				failed = true
			end
		end
	end
	-- the scale, unless a condition already decided
	for _, b in ipairs(failed and {} or why.bands or {}) do
		local w = fact_words(b.fact)
		local fr, en = bounds_words(b)
		out[#out + 1] = t("Votre " .. w.fr .. " est de " .. show(b.value, ",") .. " : tranche " .. fr .. ".",
				  "Your " .. w.en .. " is " .. show(b.value) .. ": the band " .. en .. ".")
	end
	for _, name in ipairs(why.missing or {}) do
		local w = fact_words(name)
		local hint = MISSING_HINT[string.match(name, "^[^.]+")] or t("", "")
		out[#out + 1] = t("Information manquante : " .. w.fr .. " (" .. hint.fr .. ").",
				  "Missing: " .. w.en .. " (" .. hint.en .. ").")
	end
	if #out == 0 and item.eligible == false then
		out[1] = t("Aucune tranche du barème ne correspond à votre situation.",
			   "No band of the scale matches your situation.")
	elseif #out == 0 then
		out[1] = t("L'aide est accordée à tous ceux qui en remplissent les conditions.",
			   "The aid is granted to everyone who meets its conditions.")
	end
	return out
end

-- the facts as the record keeps them
local function facts_of(why)
	local out = {}
	for _, f in ipairs(why.facts or {}) do
		local x = {name = f.name, value = f.value, derived = f.derived}
		if type(f.value) == "table" then
			x.value = table.concat(f.value, ", ") -- a list, as text
		end
		if f.approximation then
			x.approximation = true
		end
		if type(f.record) == "table" then
			x.doctype, x.record = f.record.doctype, f.record.id
		elseif f.records == nil and f.derived == nil then
			x.given = true
		end
		out[#out + 1] = x
	end
	return out
end

local STATUS = {[true] = "eligible", [false] = "not_eligible"}

local function record_of(item, at)
	local why = item.why or {}
	local r = {
		at = at,
		rule = item.id,
		version = item.version,
		title = item.title,
		authority = item.authority,
		status = STATUS[item.eligible] or "unknown",
		reasons = reasons(item, why),
	}
	local facts = facts_of(why)
	if #facts > 0 then
		r.facts = facts
	end
	if #(why.missing or {}) > 0 then
		r.missing = why.missing
	end
	local g = item.grants
	if item.eligible == true and type(g) == "table" then
		r.level, r.label, r.reduction_percent = g.level, g.label, g.reduction_percent
		if g.amount ~= nil then
			r.amount = {value = g.amount.value, per = g.amount.per, is = g.amount.is}
		end
	end
	if r.status ~= "not_eligible" then
		local p = PROCEDURES[item.id] or general_procedure(item)
		r.procedure = {steps = p.steps, documents = p.documents, where = p.where, url = p.url}
	end
	return r
end

-- the household's latest profile declared by the day of at, if any
local function members_at(day)
	local best
	local opts = {limit = 10000}
	repeat
		local page, after = commune.records("household.profile", opts)
		for _, p in ipairs(page) do
			if p.data.declared <= day and (best == nil or p.data.declared >= best.declared) then
				best = p.data
			end
		end
		opts.after = after
	until after == nil
	return best and best.members
end

function run(ctx)
	local params = ctx.params or {}
	local at = ctx.now
	if params.at ~= nil then
		at = commune.time(params.at)
	end
	local when = commune.format(at)
	local members = members_at(string.sub(when, 1, 10))
	local facts = {}
	if members ~= nil then
		facts["household.persons"] = members
	end
	local result = commune.eligibility({at = at, facts = facts})
	local counts = {eligible = 0, not_eligible = 0, unknown = 0}
	local aids = {}
	for _, item in ipairs(result.items) do
		local r = record_of(item, when)
		commune.write("social.aid.simulation", r)
		counts[r.status] = counts[r.status] + 1
		if r.status == "eligible" then
			aids[#aids + 1] = r.rule
		end
	end
	commune.log(string.format("%d rules: %d eligible, %d not, %d unknown", #result.items,
				  counts.eligible, counts.not_eligible, counts.unknown))
	-- (an empty list would read as {}: no member then)
	return {at = when, rules = #result.items, eligible = counts.eligible,
		not_eligible = counts.not_eligible, unknown = counts.unknown,
		aids = #aids > 0 and aids or nil, household_persons = members}
end
