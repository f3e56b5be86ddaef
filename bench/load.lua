-- wrk script for bench/run.
--
-- BENCH_SUMMARY (always): done() writes one JSON line there, so nothing parses wrk's text.
-- BENCH_NODES (optional): host:port,host:port… wrk's threads take the nodes in turn, so one
--   run with -t2 spreads its connections over two app nodes (bench/scaleout.py).
-- BENCH_MODE:
--   get           plain GETs of the URL given to wrk (the default)
--   post-townhall POST /api/v1/comments to thread BENCH_THREAD, a distinct comment each time,
--                 signed in with the tokens in BENCH_TOKENS (comma-separated), Origin BENCH_ORIGIN
--   post-isso     POST /new?uri=/BENCH_THREAD, a distinct comment each time
--   post-json     POST the file BENCH_BODY_FILE as application/json to the URL's path
-- In the post-* modes each wrk thread writes the ids the server acknowledged (HTTP 201/202)
-- to BENCH_IDS_DIR/ids-N.txt, one per line, so the harness can find every one in the database.

local mode = os.getenv("BENCH_MODE") or "get"
local all_threads = {}

local nodes = nil
if os.getenv("BENCH_NODES") then
  nodes = {}
  for host, port in string.gmatch(os.getenv("BENCH_NODES"), "([^,:]+):(%d+)") do
    nodes[#nodes + 1] = wrk.lookup(host, port)[1]
  end
end

function setup(thread)
  all_threads[#all_threads + 1] = thread
  thread:set("number", #all_threads)
  if nodes then thread.addr = nodes[((#all_threads - 1) % #nodes) + 1] end
end

-- BENCH_WORDS (space-separated) replaces this short list: bench/run passes the seed's few
-- hundred words, so the comments posted do not look like near-duplicates of each other.
local vocabulary = {
  "council", "budget", "vote", "mayor", "school", "housing", "transit", "bridge", "flood",
  "river", "storm", "outage", "hospital", "strike", "election", "ballot", "debate", "survey",
  "reporter", "source", "records", "court", "ruling", "appeal", "witness", "correction",
  "editor", "archive", "harbour", "ferry", "market", "prices", "drought", "taxes",
}

if os.getenv("BENCH_WORDS") then
  vocabulary = {}
  for word in string.gmatch(os.getenv("BENCH_WORDS"), "%S+") do vocabulary[#vocabulary + 1] = word end
end

-- 200-800 characters, some markdown, escaped for a JSON string.
local function prose()
  local wanted = math.random(200, 800)
  local out, size = {}, 0
  while size < wanted do
    local word = vocabulary[math.random(#vocabulary)]
    local roll = math.random()
    if roll < 0.03 then word = "**" .. word .. "**"
    elseif roll < 0.06 then word = "*" .. word .. "*"
    -- About one link in two comments, as bench/seed.py writes: at one word in fifty, one
    -- comment in twenty had more than 3 links and got the pipeline's 422 comment-nudge ("It
    -- has 4 links; comments with more than 3 are reviewed"), the run's only non-2xx answers.
    elseif roll < 0.067 then word = "[" .. word .. "](https://news.example.org/" .. word .. ")"
    elseif roll < 0.097 then word = word .. ".\\n\\n"
    end
    out[#out + 1] = word
    size = size + #word + 1
  end
  return table.concat(out, " ")
end

-- Per wrk thread (each has a Lua state of its own); globals, so done() can read "acked".
sent = 0
acked = 0
local ids_out = nil
local posting = mode == "post-townhall" or mode == "post-isso"
local tokens = {}
local thread_key = os.getenv("BENCH_THREAD") or "tpost"

function init(args)
  math.randomseed(os.time() + 7919 * (number or 0))
  if posting then
    ids_out = io.open((os.getenv("BENCH_IDS_DIR") or ".") .. "/ids-" .. (number or 0) .. ".txt", "w")
    ids_out:setvbuf("line")
  end
  for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do
    tokens[#tokens + 1] = token
  end
end

if mode == "post-townhall" then
  local origin = os.getenv("BENCH_ORIGIN")
  request = function()
    sent = sent + 1
    local body = '{"thread": "' .. thread_key .. '", "body": "load ' .. (number or 0) .. "-" ..
      sent .. " " .. prose() .. '"}'
    return wrk.format("POST", "/api/v1/comments", {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. tokens[(sent % #tokens) + 1],
      ["Origin"] = origin,
    }, body)
  end
elseif mode == "post-isso" then
  request = function()
    sent = sent + 1
    local body = '{"text": "load ' .. (number or 0) .. "-" .. sent .. " " .. prose() ..
      '", "author": "Reader ' .. math.random(0, 39) .. '"}'
    return wrk.format("POST", "/new?uri=/" .. thread_key, { ["Content-Type"] = "application/json" }, body)
  end
elseif mode == "post-json" then
  local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "r"))
  local payload = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.body = payload
  wrk.headers["Content-Type"] = "application/json"
end

if posting then
  response = function(status, headers, body)
    if status == 201 or status == 202 then
      acked = acked + 1
      local id = string.match(body, '"id":%s*(%d+)')
      if id then ids_out:write(id, "\n") end
    end
  end
end

function done(summary, latency, requests)
  local acked_total = 0
  for _, thread in ipairs(all_threads) do
    acked_total = acked_total + (thread:get("acked") or 0)
  end
  local e = summary.errors
  local f = assert(io.open(os.getenv("BENCH_SUMMARY"), "w"))
  f:write(string.format(
    '{"duration_us": %d, "requests": %d, "bytes": %d, "non_2xx": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "acked": %d}\n',
    summary.duration, summary.requests, summary.bytes, e.status, e.connect, e.read, e.write,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, acked_total))
  f:close()
end
