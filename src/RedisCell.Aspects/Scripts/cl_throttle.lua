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
-- <precise> "1" appends retry_after and reset_after in nanoseconds (decimal strings) to the
--           reply; RedisCell.Aspects uses it for exact Retry-After values and its deny cache.
--
-- Why the arithmetic looks the way it does: a TAT needs about 61 bits of nanoseconds, Redis runs
-- Lua 5.1 (numbers are doubles, 53 bits) and Garnet runs Lua 5.4 (64-bit integers that wrap).
-- Every time and duration is therefore a pair {seconds, nanoseconds} with 0 <= ns < 1e9, and
-- every product is split so that no intermediate value reaches 2^52. The same code is then exact
-- on both engines. Numbers handed to redis.call are formatted with %d, because Garnet rejects
-- "3000.0" where Redis would accept 3000.

local E9 = 1000000000
local MAX_SAFE = 9007199254740991 -- 2^53 - 1: above it a double no longer holds every integer

-- Normalises s + n/1e9 so that 0 <= n < 1e9; |n| stays below a few 1e9 here.
local function norm(s, n)
  local c = math.floor(n / E9)
  return s + c, n - c * E9
end

-- Parses a non-negative decimal integer of at most 20 digits into {high, low} = high * 1e9 + low,
-- or nil when the text is not such a number. A TAT can pass 2^63 - 1 when the tolerance is close
-- to it, so stored state is allowed up to 20 digits; arguments are bounded by parse_safe.
local function parse_u64(text)
  if type(text) ~= 'string' or not string.find(text, '^%d+$') then return nil end
  local len = #text
  if len <= 9 then return 0, tonumber(text) end
  if len > 20 then return nil end
  return tonumber(string.sub(text, 1, len - 9)), tonumber(string.sub(text, len - 8))
end

-- Parses a non-negative integer that must stay exact as a double.
local function parse_safe(text)
  local high, low = parse_u64(text)
  if high == nil or high > 9007198 then return nil end
  local value = high * E9 + low
  if value > MAX_SAFE then return nil end
  return value
end

-- {ts, tn} * m for 0 <= m <= 2^53 - 1, when the product is known to stay below about 2^62 ns.
local function mul(ts, tn, m)
  -- fmod is exact; m / E9 could round up to the next integer just below a multiple of 1e9.
  local ml = math.fmod(m, E9)
  local mh = (m - ml) / E9
  local a = math.floor(ml / 100000)
  local b = ml - a * 100000
  local p = tn * a -- < 1e13: tn * a * 1e5 ns = floor(p / 1e4) s + (p mod 1e4) * 1e5 ns
  local q = tn * b -- < 1e14
  local ps = math.floor(p / 10000)
  local qs = math.floor(q / E9)
  local s = ts * mh * E9 + ts * ml + tn * mh + ps + qs
  local n = (p - ps * 10000) * 100000 + (q - qs * E9)
  return norm(s, n)
end

-- Whole microseconds in {s, n}, truncated toward zero (time::Duration::num_microseconds).
local function micros(s, n)
  if s < 0 then
    local ps, pn = norm(-s, -n)
    return -(ps * 1000000 + math.floor(pn / 1000))
  end
  return s * 1000000 + math.floor(n / 1000)
end

-- Whole seconds as the module replies them: truncated, plus one when a millisecond part remains.
local function reply_seconds(s, n)
  if s < 0 then
    local ps = norm(-s, -n)
    return -ps
  end
  if n >= 1000000 then return s + 1 end
  return s
end

-- True when a key that GET reported missing holds a value of another type. Redis answers GET on a
-- list with WRONGTYPE, but Garnet keeps such values in a separate store where GET sees nothing.
local function holds_other_type(key)
  local t = redis.call('TYPE', key)
  if type(t) == 'table' then t = t.ok end
  return t ~= 'none'
end

-- Exact decimal nanoseconds of {s, n}, for the precise reply.
local function ns_text(s, n)
  if s < 0 then
    local ps, pn = norm(-s, -n)
    return '-' .. ns_text(ps, pn)
  end
  if s == 0 then return string.format('%d', n) end
  return string.format('%d%09d', s, n)
end

-- Decides one GCRA request without writing anything. Returns a decision table, or a string
-- holding the error to reply with. now_s/now_n is the clock both engines agree on.
local function gcra_decide(key, burst_text, count_text, period_text, quantity_text, now_s, now_n)
  local burst = parse_safe(burst_text)
  local count = parse_safe(count_text)
  local period = parse_safe(period_text)
  if burst == nil or burst >= MAX_SAFE then return 'ERR max_burst must be an integer from 0 to 2^53 - 2' end
  if count == nil or count < 1 then return 'ERR count must be an integer from 1 to 2^53 - 1' end
  if period == nil or period < 1 or period > 9223372036 then return 'ERR period must be an integer from 1 to 9223372036 seconds' end

  local over, quantity = false, 1
  if quantity_text ~= nil and quantity_text ~= '' then
    if not string.find(quantity_text, '^%d+$') then return 'ERR quantity must be a non-negative integer' end
    quantity = parse_safe(quantity_text)
    -- A quantity beyond 2^53 is beyond any limit: it is refused without being multiplied.
    if quantity == nil then over = true end
  end

  -- Emission interval: f64 division, then truncation, as time::Duration in redis-cell.
  local t = math.floor((period * E9) / count)
  if t < 1000 then return 'ERR rate too high: the emission interval period/count must be at least 1 microsecond' end
  local ts, tn
  if t <= MAX_SAFE then
    tn = math.fmod(t, E9)
    ts = (t - tn) / E9
  else
    -- %.0f prints the exact integer a double holds; split its digits rather than divide.
    local digits = string.format('%.0f', t)
    ts = tonumber(string.sub(digits, 1, #digits - 9))
    tn = tonumber(string.sub(digits, #digits - 8))
  end

  local limit = burst + 1
  if t * limit > 9.3e18 then return 'ERR delay variation tolerance (period/count * (max_burst + 1)) does not fit in 63 bits of nanoseconds' end
  local dvt_s, dvt_n = mul(ts, tn, limit)
  if dvt_s > 9223372036 or (dvt_s == 9223372036 and dvt_n > 854775807) then
    return 'ERR delay variation tolerance (period/count * (max_burst + 1)) does not fit in 63 bits of nanoseconds'
  end
  if not over and quantity > limit then over = true end

  local stored = redis.pcall('GET', key)
  if type(stored) == 'table' or (not stored and holds_other_type(key)) then
    return 'WRONGTYPE key ' .. key .. ' holds a value that is not a string, so it is not GCRA state; it was left untouched'
  end
  local tat_s, tat_n = now_s, now_n
  if stored then
    tat_s, tat_n = parse_u64(stored)
    if tat_s == nil then
      return 'ERR key ' .. key .. ' holds "' .. string.sub(stored, 1, 40) .. '", not a GCRA timestamp (decimal nanoseconds); it was left untouched'
    end
  end

  -- new_tat = max(tat, now) + increment; allowed when now >= new_tat - dvt.
  local limited, new_s, new_n, diff_s, diff_n = over, 0, 0, 0, 0
  if not over then
    local inc_s, inc_n = mul(ts, tn, quantity)
    local base_s, base_n = tat_s, tat_n
    if now_s > tat_s or (now_s == tat_s and now_n > tat_n) then base_s, base_n = now_s, now_n end
    new_s, new_n = norm(base_s + inc_s, base_n + inc_n)
    diff_s, diff_n = norm(now_s - new_s + dvt_s, now_n - new_n + dvt_n)
    limited = diff_s < 0
  end

  local d = { key = key, limited = limited, limit = limit }
  local ttl_s, ttl_n
  if limited then
    ttl_s, ttl_n = norm(tat_s - now_s, tat_n - now_n)
    if over then
      d.retry_s, d.retry_n = -1, 0
    else
      d.retry_s, d.retry_n = norm(-diff_s, -diff_n)
    end
  else
    ttl_s, ttl_n = norm(new_s - now_s, new_n - now_n)
    d.retry_s, d.retry_n = -1, 0
    d.tat = string.format('%d%09d', new_s, new_n)
    d.ttl_ms = ttl_s * 1000 + math.floor(ttl_n / 1000000)
  end
  d.reset_s, d.reset_n = ttl_s, ttl_n

  -- remaining = trunc(micros(dvt - ttl) / micros(t)) when dvt - ttl > -t, never negative.
  local next_s, next_n = norm(dvt_s - ttl_s, dvt_n - ttl_n)
  local floor_s, floor_n = norm(-ts, -tn)
  local remaining = 0
  if next_s > floor_s or (next_s == floor_s and next_n > floor_n) then
    local ratio = micros(next_s, next_n) / micros(ts, tn)
    if ratio > 0 then remaining = math.floor(ratio) end
  end
  d.remaining = remaining
  return d
end

-- Writes an allowed decision. A TTL that truncates to 0 ms cannot be set (Redis refuses PX 0):
-- the key is deleted instead, the state the module reaches one millisecond later.
local function gcra_commit(d)
  if d.limited then return end
  if d.ttl_ms > 0 then
    redis.call('SET', d.key, d.tat, 'PX', string.format('%d', d.ttl_ms))
  else
    redis.call('DEL', d.key)
  end
end

local function gcra_reply(d, precise)
  local reply = {
    d.limited and 1 or 0,
    d.limit,
    d.remaining,
    reply_seconds(d.retry_s, d.retry_n),
    reply_seconds(d.reset_s, d.reset_n),
  }
  if precise then
    reply[6] = ns_text(d.retry_s, d.retry_n)
    reply[7] = ns_text(d.reset_s, d.reset_n)
  end
  return reply
end

-- Reads the clock: the caller's microseconds when given, else the server's TIME.
local function clock(now_us_text)
  if now_us_text ~= nil and now_us_text ~= '' then
    local us = parse_safe(now_us_text)
    if us == nil then return nil end
    local s = math.floor(us / 1000000)
    return s, (us - s * 1000000) * 1000
  end
  local t = redis.call('TIME')
  return tonumber(t[1]), tonumber(t[2]) * 1000
end

-- @entry: the lines below run only when this file is used on its own.
local now_s, now_n = clock(ARGV[5])
if now_s == nil then return redis.error_reply('ERR now_us must be a non-negative integer of microseconds') end
local d = gcra_decide(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], now_s, now_n)
if type(d) == 'string' then return redis.error_reply(d) end
gcra_commit(d)
return gcra_reply(d, ARGV[6] == '1')
