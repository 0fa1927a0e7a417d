-- The paths wrk asks for in the proxy benchmark (crates/server/benches/proxy.rs):
-- TRACKLINE_BENCH_PATH is the path, or, with TRACKLINE_BENCH_UNIQUE=1, the prefix of a path that
-- ends in a different 12-digit number per request (each wrk thread numbers its own range).
local threads = 0

function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end

function init(args)
  path = os.getenv("TRACKLINE_BENCH_PATH")
  unique = os.getenv("TRACKLINE_BENCH_UNIQUE") == "1"
  counter = 0
end

function request()
  if not unique then
    return wrk.format("GET", path)
  end
  counter = counter + 1
  return wrk.format("GET", path .. string.format("%02d%010d", thread_number, counter))
end
