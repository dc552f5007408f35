/*
 * glue.h - hand-written job descriptors for the native unit tests (tests/native,
 * against the fake host): what jobc emits for
 * a job, written out by hand so the runtime is tested against its own API,
 * independently of the compiler. One macro per job shape.
 */
#ifndef LUC_TEST_GLUE_H
#define LUC_TEST_GLUE_H
#include <lucidity.h>
#include <pb.h>
#include <stdint.h>

#ifdef __wasm__
#define GLUE_EXPORT(name) __attribute__((export_name(name)))
#else
#define GLUE_EXPORT(name)
#endif

/* job NAME(x: u32) -> u32, implemented by `uint32_t NAME##_impl(uint32_t)`. */
typedef struct u32_msg { uint32_t value; } u32_msg;
#define u32_msg_FIELDLIST(X, a) X(a, STATIC, SINGULAR, UINT32, value, 1)
#define u32_msg_CALLBACK NULL
#define u32_msg_DEFAULT NULL
extern const pb_msgdesc_t u32_msg_msg;

typedef struct str_msg { char *value; } str_msg;
#define str_msg_FIELDLIST(X, a) X(a, POINTER, SINGULAR, STRING, value, 1)
#define str_msg_CALLBACK NULL
#define str_msg_DEFAULT NULL
extern const pb_msgdesc_t str_msg_msg;

typedef struct pair_msg { uint32_t a; uint32_t b; } pair_msg;
#define pair_msg_FIELDLIST(X, a_) X(a_, STATIC, SINGULAR, UINT32, a, 1) X(a_, STATIC, SINGULAR, UINT32, b, 2)
#define pair_msg_CALLBACK NULL
#define pair_msg_DEFAULT NULL
extern const pb_msgdesc_t pair_msg_msg;

typedef struct f32_msg { float value; } f32_msg;
#define f32_msg_FIELDLIST(X, a) X(a, STATIC, SINGULAR, FLOAT, value, 1)
#define f32_msg_CALLBACK NULL
#define f32_msg_DEFAULT NULL
extern const pb_msgdesc_t f32_msg_msg;

#define GLUE_JOB(NAME, ARGS, RESULT, OUT_T, IMPL_CALL)                                           \
    static void NAME##__invoke(const void *a_, void *r_)                                         \
    {                                                                                            \
        const ARGS *a = a_;                                                                      \
        RESULT *r = r_;                                                                          \
        r->value = IMPL_CALL;                                                                    \
    }                                                                                            \
    static void NAME##__unpack(void *out, void *r_) { *(OUT_T *)out = ((RESULT *)r_)->value; }   \
    const lucidity_job NAME##_job = {LUCIDITY_ABI_VERSION, #NAME, "lucidity_job_" #NAME,         \
                                     &ARGS##_msg, sizeof(ARGS), &RESULT##_msg, sizeof(RESULT),   \
                                     sizeof(OUT_T), NAME##__invoke, NAME##__unpack, {0}};        \
    GLUE_EXPORT("lucidity_job_" #NAME)                                                           \
    void NAME##__entry(uint64_t node, uint64_t pid, int64_t tag)                                 \
    {                                                                                            \
        lucidity_serve(&NAME##_job, node, pid, tag);                                             \
    }
#endif
