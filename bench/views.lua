-- wrk script for bench/run.sh: GET the paths in PATHS (separated by "|") in turn, with the
-- session cookie in COOKIE (empty for the bare endpoint). Each connection starts at its own
-- place in the list, so a mixed run spreads the views evenly.
local paths = {}
for p in string.gmatch(os.getenv("PATHS") or "/", "[^|]+") do
  table.insert(paths, p)
end
local cookie = os.getenv("COOKIE") or ""
local counter = 0
local i = 0

function setup(thread)
  counter = counter + 1
  thread:set("i", counter)
end

function request()
  i = (i % #paths) + 1
  local headers = {}
  if cookie ~= "" then
    headers["Cookie"] = cookie
  end
  return wrk.format("GET", paths[i], headers)
end
