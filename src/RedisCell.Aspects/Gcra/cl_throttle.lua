-- cl_throttle.lua: GCRA with the arguments, reply and stored state of redis-cell's CL.THROTTLE.
--
--   EVALSHA <sha> 1 <key> <max_burst> <count> <period> [<quantity>] [<now_us>] [<precise>]
--
-- Reply: {limited, limit, remaining, retry_after_s, reset_after_s}, exactly as the module.
-- Stored state: the theoretical arrival time (TAT) as decimal nanoseconds since the Unix epoch,
-- with a millisecond TTL, so this script and the module can share keys.
--
-- <now_us>  optional caller clock in microseconds since the epoch, for servers that refuse TIME
--           in scripts. Empty or absent: the server clock (TIME) is used.
-- <precise> "1" appends retry_after and reset_after in nanoseconds, each as two integers
--           {high, low} = high * 1e9 + low with 0 <= low < 1e9; RedisCell.Aspects uses them for
--           exact Retry-After values and its deny cache.
--
-- Exact on Redis (Lua 5.1, doubles) and Garnet (Lua 5.4, wrapping 64-bit integers): near calls are
-- computed in nanoseconds relative to now, far ones on {seconds, nanoseconds} pairs. Why and how:
-- docs/design/exact-arithmetic.md. Numbers handed to redis.call are integers (Garnet rejects "3000.0").

local E9 = 1000000000
local MAX_SAFE = 9007199254740991 -- 2^53 - 1: the largest count
local MAX_BURST = 9007199254740990 -- 2^53 - 2, so max_burst + 1 stays exact
local MAX_PERIOD_S = 9223372036 -- the period in nanoseconds fits in 63 bits
local NEAR = 4503599627370496     -- 2^52 ns: the reach of the relative arithmetic
local TYPE_PROBE = _VERSION ~= 'Lua 5.1' -- Garnet: GET does not see lists, sets or hashes
-- The largest TAT kept: what a signed 64-bit integer holds (the year 2262), as the module and the
-- client read it. Beyond it durations no longer fit the reply's integers.
local MAX_TAT = '9223372036854775807'

-- A non-negative integer argument that is exact as a double, or nil.
local function safe_int(text)
  local v = tonumber(text)
  if v == nil or v < 0 or v > MAX_SAFE or v % 1 ~= 0 then return nil end
  return v
end

-- Seconds as the module replies them: truncated toward zero, plus one when a millisecond part
-- remains (never for negative values). {s, n} is normalised.
local function reply_seconds(s, n)
  if s < 0 then
    if n == 0 then return s end
    return s + 1
  end
  if n >= 1000000 then return s + 1 end
  return s
end

-- The same decision on {seconds, nanoseconds} pairs, for tolerances beyond 2^52 ns or a stored
-- TAT far from now. Its helpers are created only when it runs: every local function in a script
-- is a new closure on every call.
local function gcra_far(key, limit, t, dvt_approx, quantity, over, tat_s, tat_n, now_s, now_n)
  -- Normalises {s, n} so that 0 <= n < 1e9, for |n| up to a few 1e9.
  local function norm(s, n)
    local c = math.floor(n / E9)
    return s + c, n - c * E9
  end

  -- {ts, tn} * m for 0 <= m < 2^53 when the product is known to stay below about 2^62 ns. The
  -- product tn * m is split so that no partial product reaches 2^52.
  local function mul(ts, tn, m)
    local ml = math.fmod(m, E9)
    local mh = (m - ml) / E9
    local a = math.floor(ml / 100000)
    local b = ml - a * 100000
    local p, q = tn * a, tn * b -- p * 1e5 ns and q ns, p < 1e13, q < 1e14
    local ps, qs = math.floor(p / 10000), math.floor(q / E9)
    return norm(ts * mh * E9 + ts * ml + tn * mh + ps + qs, (p - ps * 10000) * 100000 + (q - qs * E9))
  end

  -- Whole microseconds of a non-negative {s, n}.
  local function micros(s, n)
    return s * 1000000 + math.floor(n / 1000)
  end

  local ts, tn
  if t <= MAX_SAFE then
    tn = math.fmod(t, E9)
    ts = (t - tn) / E9
  else
    -- %.0f prints the exact integer a double holds; split its digits rather than divide.
    local digits = string.format('%.0f', t)
    ts, tn = tonumber(string.sub(digits, 1, #digits - 9)), tonumber(string.sub(digits, #digits - 8))
  end
  local too_big = 'ERR delay variation tolerance (period/count * (max_burst + 1)) does not fit in 63 bits of nanoseconds'
  if dvt_approx > 9.3e18 then return too_big end
  local dvt_s, dvt_n = mul(ts, tn, limit)
  if dvt_s > 9223372036 or (dvt_s == 9223372036 and dvt_n > 854775807) then return too_big end

  local limited, new_s, new_n, diff_s, diff_n = over, 0, 0, 0, 0
  if not over then
    local inc_s, inc_n = mul(ts, tn, quantity)
    local base_s, base_n = tat_s, tat_n
    if now_s > tat_s or (now_s == tat_s and now_n > tat_n) then base_s, base_n = now_s, now_n end
    new_s, new_n = norm(base_s + inc_s, base_n + inc_n)
    diff_s, diff_n = norm(now_s - new_s + dvt_s, now_n - new_n + dvt_n)
    limited = diff_s < 0
    -- Only a tolerance of centuries reaches here; storing the TAT would leave a key nothing reads.
    if not limited and (new_s > 9223372036 or (new_s == 9223372036 and new_n > 854775807)) then
      return 'ERR key ' .. key .. ' would hold a GCRA timestamp beyond ' .. MAX_TAT .. ' ns (the year 2262); the policy\'s tolerance reaches too far. It was left untouched'
    end
  end

  local d = { key = key, limited = limited, limit = limit, remaining = 0,
              retry_s = -1, retry_n = 0, reset_s = 0, reset_n = 0, tat = false, ttl_ms = 0 }
  local ttl_s, ttl_n
  if limited then
    ttl_s, ttl_n = norm(tat_s - now_s, tat_n - now_n)
    if not over then d.retry_s, d.retry_n = norm(-diff_s, -diff_n) end
  else
    ttl_s, ttl_n = norm(new_s - now_s, new_n - now_n)
    d.tat = string.format('%d%09d', new_s, new_n)
    d.ttl_ms = math.floor(ttl_s * 1000 + ttl_n / 1000000) -- an integer on Lua 5.4 too
  end
  d.reset_s, d.reset_n = ttl_s, ttl_n

  -- remaining = trunc(micros(dvt - ttl) / micros(t)), never negative.
  local next_s, next_n = norm(dvt_s - ttl_s, dvt_n - ttl_n)
  if next_s >= 0 and (next_s > 0 or next_n > 0) then
    d.remaining = math.floor(micros(next_s, next_n) / micros(ts, tn))
  end
  return d
end

-- A policy's emission interval and limit, or nil and the error to reply with. Parsing the three
-- numbers is a fifth of a decision's Lua time, so batch.lua does it once per policy.
local function gcra_policy(burst_text, count_text, period_text)
  local burst, count, period = safe_int(burst_text), safe_int(count_text), safe_int(period_text)
  if burst == nil or burst > MAX_BURST then return nil, 'ERR max_burst must be an integer from 0 to 2^53 - 2' end
  if count == nil or count < 1 then return nil, 'ERR count must be an integer from 1 to 2^53 - 1' end
  if period == nil or period < 1 or period > MAX_PERIOD_S then return nil, 'ERR period must be an integer from 1 to 9223372036 seconds' end
  -- Emission interval: f64 division, then truncation, as time::Duration in redis-cell.
  return math.floor(period * E9 / count), burst + 1
end

-- A quantity argument (absent means 1), or nil and the error to reply with.
local function gcra_quantity(quantity_text)
  if quantity_text == nil or quantity_text == '' then return 1 end
  local q = tonumber(quantity_text)
  if q == nil or q < 0 or q % 1 ~= 0 then return nil, 'ERR quantity must be a non-negative integer' end
  return q
end

-- The GCRA state stored at key: its decimal TAT, or false when the key is missing; or nil and the
-- error to reply with when the key holds anything else (which redis-cell's module would crash on).
local function gcra_stored(key)
  -- Redis answers GET on a list with WRONGTYPE, but Garnet keeps such values in a separate store
  -- where GET sees nothing: there (Lua 5.4) a missing key is asked its TYPE.
  local stored = redis.pcall('GET', key)
  local other_type = type(stored) == 'table'
  if not stored and TYPE_PROBE then
    local kind = redis.call('TYPE', key)
    other_type = (kind.ok or kind) ~= 'none'
  end
  if other_type then
    return nil, 'WRONGTYPE key ' .. key .. ' holds a value that is not a string, so it is not GCRA state; it was left untouched'
  end
  if stored then
    local len = #stored
    -- Digits only, at most those of MAX_TAT; equal lengths of digits compare as numbers do.
    if len == 0 or len > 19 or not string.find(stored, '^%d+$') or (len == 19 and stored > MAX_TAT) then
      return nil, 'ERR key ' .. key .. ' holds "' .. string.sub(stored, 1, 40) .. '", not a GCRA timestamp (decimal nanoseconds up to ' .. MAX_TAT .. '); it was left untouched'
    end
  end
  return stored
end

-- Decides one GCRA request of a parsed policy without writing anything. Returns a decision table,
-- or a string holding the error to reply with. {now_s, now_n} is the clock both engines agree on.
local function gcra_decide_parsed(key, t, limit, quantity, now_s, now_n)
  if t < 1000 then return 'ERR rate too high: the emission interval period/count must be at least 1 microsecond' end
  -- A quantity above the whole limit can never pass; it is refused without being multiplied.
  local over = quantity > limit

  local stored, err = gcra_stored(key)
  if stored == nil then return err end
  local tat_s, tat_n = now_s, now_n
  if stored then
    local len = #stored
    if len <= 9 then
      tat_s, tat_n = 0, tonumber(stored)
    else
      tat_s, tat_n = tonumber(string.sub(stored, 1, len - 9)), tonumber(string.sub(stored, len - 8))
    end
  end

  local dvt = (t + 0.0) * limit
  if dvt <= NEAR and tat_s - now_s < 4500000 and now_s - tat_s < 4500000 then
    -- Near: nanoseconds relative to now, all below 2^53.
    dvt = t * limit
    local tat = (tat_s - now_s) * E9 + (tat_n - now_n)
    local limited, new = over, 0
    if not over then
      new = (tat > 0 and tat or 0) + t * quantity
      limited = new > dvt
    end
    local ttl = limited and tat or new
    local retry = -E9
    if limited and not over then retry = new - dvt end
    local remaining = 0
    if dvt > ttl then remaining = math.floor(math.floor((dvt - ttl) / 1000) / math.floor(t / 1000)) end
    local d = { key = key, limited = limited, limit = limit, remaining = remaining,
                retry_s = math.floor(retry / E9), retry_n = 0, reset_s = math.floor(ttl / E9), reset_n = 0,
                tat = false, ttl_ms = 0 }
    d.retry_n = retry - d.retry_s * E9
    d.reset_n = ttl - d.reset_s * E9
    if not limited then
      local x = now_n + new
      local n = math.fmod(x, E9)
      d.tat = string.format('%d%09d', now_s + (x - n) / E9, n)
      d.ttl_ms = math.floor(new / 1000000)
    end
    return d
  end
  return gcra_far(key, limit, t, dvt, quantity, over, tat_s, tat_n, now_s, now_n)
end

-- Decides one GCRA request from its arguments as sent, without writing anything.
local function gcra_decide(key, burst_text, count_text, period_text, quantity_text, now_s, now_n)
  local t, limit = gcra_policy(burst_text, count_text, period_text)
  if t == nil then return limit end
  local quantity, err = gcra_quantity(quantity_text)
  if quantity == nil then return err end
  return gcra_decide_parsed(key, t, limit, quantity, now_s, now_n)
end

-- Writes an allowed decision. A TTL that truncates to 0 ms cannot be set (Redis refuses PX 0):
-- the key is deleted instead, the state the module reaches one millisecond later.
local function gcra_commit(d)
  if d.limited then return end
  if d.ttl_ms > 0 then
    redis.call('SET', d.key, d.tat, 'PX', d.ttl_ms)
  else
    redis.call('DEL', d.key)
  end
end

local function gcra_reply(d, precise)
  local retry_s, reset_s = reply_seconds(d.retry_s, d.retry_n), reply_seconds(d.reset_s, d.reset_n)
  if precise then
    return { d.limited and 1 or 0, d.limit, d.remaining, retry_s, reset_s, d.retry_s, d.retry_n, d.reset_s, d.reset_n }
  end
  return { d.limited and 1 or 0, d.limit, d.remaining, retry_s, reset_s }
end

-- Reads the clock: the caller's microseconds when given, else the server's TIME. Returns nil and
-- the error to reply with when neither can be read. A server may refuse TIME inside scripts (an ACL
-- without it, some managed services); its own error does not say which command was refused, so
-- this one does, and the caller can tell the user to send the client clock instead.
local function clock(now_us_text)
  if now_us_text ~= nil and now_us_text ~= '' then
    local us = safe_int(now_us_text)
    if us == nil then return nil, 'ERR now_us must be a non-negative integer of microseconds' end
    local s = math.floor(us / 1000000)
    return s, (us - s * 1000000) * 1000
  end
  local time = redis.pcall('TIME')
  if time.err then return nil, 'ERR TIME refused inside a script: ' .. time.err end
  return tonumber(time[1]), tonumber(time[2]) * 1000
end

-- @entry: the lines below run only when this file is used on its own.
local now_s, now_n = clock(ARGV[5])
if now_s == nil then return redis.error_reply(now_n) end
local d = gcra_decide(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], now_s, now_n)
if type(d) == 'string' then return redis.error_reply(d) end
gcra_commit(d)
return gcra_reply(d, ARGV[6] == '1')
