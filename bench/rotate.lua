-- wrk script: requests the paths listed (one per line) in the file named by $PATHS, in turn,
-- each wrk thread starting at a different offset.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7)
end
local i = nil
function request()
  i = ((i or offset or 0) % #paths) + 1
  return wrk.format("GET", paths[i])
end
