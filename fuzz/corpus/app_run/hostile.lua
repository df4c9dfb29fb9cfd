function run()
  local ok = pcall(function() local t = {} for i = 1, 1e9 do t[i] = string.rep("x", i) end end)
  setmetatable({}, {__index = function() return 1 end})
  return string.find(string.rep("ab", 50), "(a)(b)%1", 1) , ok
end
