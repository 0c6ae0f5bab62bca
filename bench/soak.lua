-- Mixed load for bench/soak.sh: pages as a logged-in organisation staff member, API reads and a
-- few writes (new candidates) with a bearer token. COOKIE, TOKEN, IDS and CELL come from the
-- environment (set by soak.sh).
local cookie = os.getenv("COOKIE")
local token = os.getenv("TOKEN")
local cell = os.getenv("CELL")
local ids = {}
for id in string.gmatch(os.getenv("IDS") or "", "[^,]+") do ids[#ids + 1] = id end
local n = 0
local page = { ["Cookie"] = cookie }
local api = { ["Authorization"] = "Bearer " .. token }
local post = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }

request = function()
  n = n + 1
  local k = n % 20
  local id = ids[(n % #ids) + 1]
  if k == 0 then
    local body = string.format(
      '{"cell":"%s","listed_on":"2026-11-02","person":{"full_name":"Mùa Thử Tải","birth_date":"1996-03-%02d","gender":"male","ethnicity":"Kinh","religion":"Không","education":"12/12","qualification":"Đại học","theory_level":"Sơ cấp","source_category":"Giáo viên"}}',
      cell, (n % 28) + 1)
    return wrk.format("POST", "/api/v1/candidates", post, body)
  elseif k < 4 then return wrk.format("GET", "/", page)
  elseif k < 7 then return wrk.format("GET", "/candidates", page)
  elseif k < 9 then return wrk.format("GET", "/candidates?stage=dossier", page)
  elseif k < 12 then return wrk.format("GET", "/candidates/" .. id, page)
  elseif k < 14 then return wrk.format("GET", "/alerts", page)
  elseif k < 17 then return wrk.format("GET", "/api/v1/candidates?limit=50", api)
  else return wrk.format("GET", "/api/v1/candidates/" .. id, api)
  end
end
