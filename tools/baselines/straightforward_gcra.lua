-- A straightforward GCRA script, as commonly written: floating-point seconds, server TIME, one GET
-- and one SET. It is not exact (doubles lose nanoseconds) and does not match CL.THROTTLE's reply or
-- state; tools/script-server-cost.sh runs it only as a same-run anchor for what a GCRA script
-- usually costs on the server.
--   EVALSHA <sha> 1 <key> <max_burst> <count> <period> <quantity>
local burst, count, period, quantity = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local interval = period / count
local tolerance = interval * (burst + 1)
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval * quantity
local diff = now - (new_tat - tolerance)
if diff < 0 then
  return { 1, burst + 1, 0, math.ceil(-diff), math.ceil(tat - now) }
end
local ttl = new_tat - now
redis.call('SET', KEYS[1], string.format('%.6f', new_tat), 'PX', math.ceil(ttl * 1000))
return { 0, burst + 1, math.floor(diff / interval), -1, math.ceil(ttl) }
