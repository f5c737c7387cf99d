/*
 * A stand-in for the redis-cell module, for tests only: a Redis module that registers
 * CL.THROTTLE with redis-cell 0.5.0's arguments, reply, stored state and command flags, so the
 * library's module path (detected with COMMAND INFO cl.throttle) runs against a real redis-server.
 * The real module is Rust and cannot be built without crates.io; this one is written from
 * SPEC.md section 1 and is checked against the calls recorded from the real module
 * (ClThrottleModuleTests replays every vector through it).
 *
 * Like the real module it crashes the server when a key holds anything but a string, and
 * answers nonsense for a string that is not a decimal TAT: the library must never let it see
 * such a key. CLTEST.CLOCK <ns> (0 = the real clock) sets the clock it decides with, so the
 * recorded vectors can be replayed; the real module has no such command.
 *
 * No Redis header is used: the few module API functions needed are declared below and fetched
 * by name through RedisModule_GetApi, which is all the module ABI asks of a module.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct RedisModuleCtx RedisModuleCtx;
typedef struct RedisModuleKey RedisModuleKey;
typedef struct RedisModuleString RedisModuleString;
typedef int (*RedisModuleCmdFunc)(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

#define REDISMODULE_OK 0
#define REDISMODULE_ERR 1
#define REDISMODULE_APIVER_1 1
#define REDISMODULE_READ (1 << 0)
#define REDISMODULE_WRITE (1 << 1)
#define REDISMODULE_KEYTYPE_EMPTY 0
#define REDISMODULE_KEYTYPE_STRING 1

static int (*RedisModule_GetApi)(const char *, void *);
static void (*RedisModule_SetModuleAttribs)(RedisModuleCtx *, const char *, int, int);
static int (*RedisModule_CreateCommand)(RedisModuleCtx *, const char *, RedisModuleCmdFunc, const char *, int, int, int);
static void (*RedisModule_AutoMemory)(RedisModuleCtx *);
static int (*RedisModule_WrongArity)(RedisModuleCtx *);
static int (*RedisModule_StringToLongLong)(const RedisModuleString *, long long *);
static RedisModuleString *(*RedisModule_CreateString)(RedisModuleCtx *, const char *, size_t);
static void *(*RedisModule_OpenKey)(RedisModuleCtx *, RedisModuleString *, int);
static int (*RedisModule_KeyType)(RedisModuleKey *);
static char *(*RedisModule_StringDMA)(RedisModuleKey *, size_t *, int);
static int (*RedisModule_StringSet)(RedisModuleKey *, RedisModuleString *);
static int (*RedisModule_SetExpire)(RedisModuleKey *, long long);
static int (*RedisModule_ReplyWithArray)(RedisModuleCtx *, long);
static int (*RedisModule_ReplyWithLongLong)(RedisModuleCtx *, long long);
static int (*RedisModule_ReplyWithError)(RedisModuleCtx *, const char *);
static int (*RedisModule_ReplyWithSimpleString)(RedisModuleCtx *, const char *);
static int (*RedisModule_ReplicateVerbatim)(RedisModuleCtx *);

#define GET_API(name) \
    if (RedisModule_GetApi("RedisModule_" #name, (void *)&RedisModule_##name) != REDISMODULE_OK) return REDISMODULE_ERR

static const int64_t E9 = 1000000000LL;
static int64_t clock_override_ns = 0;

static int64_t now_ns(void)
{
    if (clock_override_ns != 0) return clock_override_ns;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * E9 + ts.tv_nsec;
}

/* Whole seconds as redis-cell replies them: truncated, plus one when a millisecond part remains. */
static long long reply_seconds(int64_t ns)
{
    int64_t seconds = ns / E9;
    int64_t millis = ns / 1000000 % 1000;
    return millis > 0 ? seconds + 1 : seconds;
}

static int parse(RedisModuleString *arg, long long *out)
{
    return RedisModule_StringToLongLong(arg, out) == REDISMODULE_OK;
}

static int Throttle(RedisModuleCtx *ctx, RedisModuleString **argv, int argc)
{
    if (argc != 5 && argc != 6) return RedisModule_WrongArity(ctx);
    RedisModule_AutoMemory(ctx);

    long long max_burst, count, period, quantity = 1;
    if (!parse(argv[2], &max_burst) || !parse(argv[3], &count) || !parse(argv[4], &period) ||
        (argc == 6 && !parse(argv[5], &quantity))) {
        return RedisModule_ReplyWithError(ctx, "Cell error: Couldn't parse as integer");
    }
    if (count == 0) return RedisModule_ReplyWithError(ctx, "Cell error: count must not be zero");

    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ | REDISMODULE_WRITE);
    int type = RedisModule_KeyType(key);
    if (type != REDISMODULE_KEYTYPE_EMPTY && type != REDISMODULE_KEYTYPE_STRING) {
        /* What the real module does with such a key: it takes the whole server down. */
        abort();
    }

    int64_t now = now_ns();
    int64_t t = (int64_t)((double)period * 1e9 / (double)count); /* f64 divide, then truncate */
    int64_t limit = max_burst + 1;
    int64_t dvt = t * limit;
    int64_t inc = t * quantity;

    int64_t tat = now;
    if (type == REDISMODULE_KEYTYPE_STRING) {
        size_t len;
        char *text = RedisModule_StringDMA(key, &len, REDISMODULE_READ);
        char digits[32];
        if (len >= sizeof digits) len = sizeof digits - 1;
        memcpy(digits, text, len);
        digits[len] = 0;
        tat = strtoll(digits, NULL, 10); /* nonsense in, nonsense out, as the module */
    }

    int64_t base = tat > now ? tat : now;
    int64_t new_tat = base + inc;
    int64_t diff = now - (new_tat - dvt);
    int limited = diff < 0;
    int64_t ttl, retry = -E9;
    if (limited) {
        ttl = tat - now;
        if (inc <= dvt) retry = -diff;
    } else {
        ttl = new_tat - now;
        char text[32];
        int n = snprintf(text, sizeof text, "%lld", (long long)new_tat);
        RedisModule_StringSet(key, RedisModule_CreateString(ctx, text, (size_t)n));
        RedisModule_SetExpire(key, ttl / 1000000);
    }

    int64_t remaining = 0;
    int64_t next = dvt - ttl;
    if (next > -t) remaining = (int64_t)((double)(next / 1000) / (double)(t / 1000));
    if (remaining < 0) remaining = 0;

    RedisModule_ReplyWithArray(ctx, 5);
    RedisModule_ReplyWithLongLong(ctx, limited ? 1 : 0);
    RedisModule_ReplyWithLongLong(ctx, limit);
    RedisModule_ReplyWithLongLong(ctx, remaining);
    RedisModule_ReplyWithLongLong(ctx, reply_seconds(retry));
    RedisModule_ReplyWithLongLong(ctx, reply_seconds(ttl));
    RedisModule_ReplicateVerbatim(ctx);
    return REDISMODULE_OK;
}

static int SetClock(RedisModuleCtx *ctx, RedisModuleString **argv, int argc)
{
    if (argc != 2) return RedisModule_WrongArity(ctx);
    long long ns;
    if (!parse(argv[1], &ns) || ns < 0) return RedisModule_ReplyWithError(ctx, "ERR the clock is nanoseconds since the epoch, or 0 for the real clock");
    clock_override_ns = ns;
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc)
{
    (void)argv;
    (void)argc;
    /* The first word of the context is the API lookup function. */
    RedisModule_GetApi = (int (*)(const char *, void *))(uintptr_t)((void **)ctx)[0];
    GET_API(SetModuleAttribs);
    GET_API(CreateCommand);
    GET_API(AutoMemory);
    GET_API(WrongArity);
    GET_API(StringToLongLong);
    GET_API(CreateString);
    GET_API(OpenKey);
    GET_API(KeyType);
    GET_API(StringDMA);
    GET_API(StringSet);
    GET_API(SetExpire);
    GET_API(ReplyWithArray);
    GET_API(ReplyWithLongLong);
    GET_API(ReplyWithError);
    GET_API(ReplyWithSimpleString);
    GET_API(ReplicateVerbatim);
    RedisModule_SetModuleAttribs(ctx, "redis-cell", 1, REDISMODULE_APIVER_1);
    /* The real module's flags: a write command, callable from scripts, key at argument 1. */
    if (RedisModule_CreateCommand(ctx, "cl.throttle", Throttle, "write", 1, 1, 1) != REDISMODULE_OK) return REDISMODULE_ERR;
    if (RedisModule_CreateCommand(ctx, "cltest.clock", SetClock, "fast", 0, 0, 0) != REDISMODULE_OK) return REDISMODULE_ERR;
    return REDISMODULE_OK;
}
