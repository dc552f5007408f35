/* Semantic checks, in-process through the diagnostics sink: one test per check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jobc.h"

typedef struct checked {
    idl_file *f;
    jobc_model m;
    jobc_buf msgs;
    int errors;
} checked;

static void collect(void *user, idl_severity sev, idl_loc loc, const char *msg)
{
    checked *c = user;
    jobc_buf_printf(&c->msgs, "%d:%d:%s%s\n", loc.first_line, loc.first_column,
                    sev == IDL_NOTE ? "note: " : "", msg);
}

static checked check(const char *src)
{
    checked c = {0};
    idl_sink sink = {collect, &c};
    c.errors = idl_parse("t.job", src, strlen(src), &sink, &c.f);
    assert_int_equal(c.errors, 0); /* these tests are about the checks, not syntax */
    c.errors = jobc_check(c.f, &sink, &c.m);
    jobc_buf_puts(&c.msgs, "");
    return c;
}

static void done(checked *c)
{
    jobc_model_free(&c->m);
    idl_file_free(c->f);
    jobc_buf_free(&c->msgs);
}

#define EXPECT(src, nerrors, text)                                                                 \
    do {                                                                                           \
        checked c_ = check(src);                                                                   \
        assert_string_equal(c_.msgs.data, text);                                                   \
        assert_int_equal(c_.errors, nerrors);                                                      \
        done(&c_);                                                                                 \
    } while (0)

/* Regression (found by jobc.fuzz_smoke): a file without declarations. */
static void test_empty_file_is_valid(void **state)
{
    (void)state;
    EXPECT("", 0, "");
    EXPECT("package p;", 0, "");
}

/* Several clashes: one report per pair, in declaration order, first clash of the pair. */
static void test_generated_name_clashes_in_order(void **state)
{
    (void)state;
    EXPECT("job a() -> u32; message a_args { x: u32; } message a_job { y: u32; } job a_local();", 3,
           "1:25:message 'a_args' generates the C name 'a_args', which job 'a' also generates\n"
           "1:5:note: job 'a' is declared here\n"
           "1:52:message 'a_job' generates the C name 'a_job', which job 'a' also generates\n"
           "1:5:note: job 'a' is declared here\n"
           "1:74:job 'a_local' generates the C name 'a_local', which job 'a' also generates\n"
           "1:5:note: job 'a' is declared here\n");
}

static void test_valid_file_has_no_diagnostics(void **state)
{
    (void)state;
    checked c = check("package g; message P { x: f64; ps: [P]; } job f(p: P) -> [P] { timeout = 1m; }");
    assert_int_equal(c.errors, 0);
    assert_string_equal(c.m.package, "g");
    assert_int_equal(c.m.njobs, 1);
    assert_int_equal(c.m.opts[0].timeout_ms, 60000);
    done(&c);
}

static void test_duplicate_names_point_at_first(void **state)
{
    (void)state;
    EXPECT("job a();\nmessage a {}", 1,
           "2:9:redefinition of 'a'\n1:5:note: 'a' was first defined here as a job\n");
}

static void test_duplicate_fields(void **state)
{
    (void)state;
    EXPECT("message M { x: u32; x: u32; }", 1,
           "1:21:duplicate field 'x'\n1:13:note: 'x' was first defined here\n");
}

static void test_unknown_type_suggests(void **state)
{
    (void)state;
    EXPECT("message Point {} job f(p: Pint, q: strng, r: Quux);", 3,
           "1:27:unknown type 'Pint'; did you mean 'Point'?\n"
           "1:36:unknown type 'strng'; did you mean 'string'?\n"
           "1:46:unknown type 'Quux'\n");
}

static void test_recursive_messages_by_value(void **state)
{
    (void)state;
    EXPECT("message A { b: B; } message B { a: A; }", 1,
           "1:36:message 'A' contains itself by value (A.b -> B.a -> A); use an array to break the cycle\n");
    EXPECT("message T { kids: [T]; }", 0, "");
}

static void test_messages_in_dependency_order(void **state)
{
    (void)state;
    checked c = check("message A { b: B; } message B { c: C; } message C { x: u32; }");
    assert_int_equal(c.m.nmsgs, 3);
    assert_string_equal(c.m.msgs[0]->name, "C");
    assert_string_equal(c.m.msgs[1]->name, "B");
    assert_string_equal(c.m.msgs[2]->name, "A");
    done(&c);
}

static void test_nested_arrays_rejected(void **state)
{
    (void)state;
    EXPECT("job f(x: [[u32]]);", 1,
           "1:10:nested arrays are not supported; wrap the inner array in a message\n");
}

static void test_c_keywords_and_reserved_names(void **state)
{
    (void)state;
    EXPECT("job for(while: u32, _a: u32);", 3,
           "1:5:job name 'for' is a C keyword\n"
           "1:9:parameter name 'while' is a C keyword\n"
           "1:21:parameter name '_a' is reserved: names may not start with '_' or contain '__'\n");
}

static void test_generated_name_collisions(void **state)
{
    (void)state;
    EXPECT("job square(); message square_args {}", 1,
           "1:23:message 'square_args' generates the C name 'square_args', which job 'square' also generates\n"
           "1:5:note: job 'square' is declared here\n");
    EXPECT("job sq(); job sq_local();", 1,
           "1:15:job 'sq_local' generates the C name 'sq_local', which job 'sq' also generates\n"
           "1:5:note: job 'sq' is declared here\n");
}

static void test_unknown_option_suggests(void **state)
{
    (void)state;
    EXPECT("job f() { retires = 1; concurency = 2; zzz = 3; }", 3,
           "1:11:unknown option 'retires'; did you mean 'retries'?\n"
           "1:24:unknown option 'concurency'; did you mean 'concurrency'?\n"
           "1:40:unknown option 'zzz'\n");
}

static void test_option_units(void **state)
{
    (void)state;
    EXPECT("job f() { memory = 2MiB; timeout = 2m; liveness = 250ms; }", 0, "");
    EXPECT("job f() { memory = 2Mb; }", 1,
           "1:20:option 'memory' has unit 'Mb'; expected B, KiB, MiB or GiB\n");
    EXPECT("job f() { timeout = 5; }", 1, "1:21:option 'timeout' needs a unit: ms, s or m\n");
    EXPECT("job f() { retries = 1s; }", 1,
           "1:21:option 'retries' takes a plain number, without unit 's'\n");
}

static void test_option_ranges(void **state)
{
    (void)state;
    EXPECT("job f() { concurrency = 0; }", 1,
           "1:25:option 'concurrency' is out of range: 0 (allowed: 1 to 1000000)\n");
    EXPECT("job f() { memory = 5GiB; }", 1,
           "1:20:option 'memory' is out of range: 5GiB (allowed: 1048576 to 4294967296 bytes)\n");
}

static void test_option_values(void **state)
{
    (void)state;
    EXPECT("job f() { fanout = randm; remote_fallback = 1; }", 2,
           "1:20:unknown value 'randm' for option 'fanout'; did you mean 'random'?\n"
           "1:45:option 'remote_fallback' expects local or error\n");
}

static void test_option_values_resolved(void **state)
{
    (void)state;
    checked c = check("job f() { fuel = 0; memory = 1KiB; fanout = random; remote_fallback = error; "
                      "sync_retry_interval_ms = 7; }");
    assert_int_equal(c.errors, 1); /* 1KiB is below the 64KiB minimum */
    assert_true(c.m.opts[0].fuel == JOBC_UNLIMITED);
    assert_int_equal(c.m.opts[0].memory, 0);
    assert_int_equal(c.m.opts[0].fanout, JOBC_FANOUT_RANDOM);
    assert_int_equal(c.m.opts[0].remote_fallback, JOBC_FALLBACK_ERROR);
    assert_int_equal(c.m.opts[0].intervals[1], 7);
    done(&c);
}

static void test_pool_option(void **state)
{
    (void)state;
    checked c = check("job f() { pool = 16; fuel = 0; }");
    assert_int_equal(c.errors, 0);
    assert_int_equal(c.m.opts[0].pool, 16);
    done(&c);
    EXPECT("job f() { fuel = 5; pool = 2; }", 1,
           "1:21:option 'pool' cannot be combined with a fuel limit: a worker serves many "
           "calls, and fuel is per process\n1:11:note: 'fuel' is set here\n");
}

static void test_duplicate_option(void **state)
{
    (void)state;
    EXPECT("job f() { retries = 1; retries = 2; }", 1,
           "1:24:option 'retries' is set more than once\n1:11:note: 'retries' was first set here\n");
}

static void test_package_rules(void **state)
{
    (void)state;
    EXPECT("job f(); package p;", 1,
           "1:18:the package declaration must come before any message or job\n");
}

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(jobc_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(jobc_edit_distance("", "abc"), 3);
    assert_int_equal(jobc_edit_distance("same", "same"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_file_has_no_diagnostics),
        cmocka_unit_test(test_empty_file_is_valid),
        cmocka_unit_test(test_generated_name_clashes_in_order),
        cmocka_unit_test(test_duplicate_names_point_at_first),
        cmocka_unit_test(test_duplicate_fields),
        cmocka_unit_test(test_unknown_type_suggests),
        cmocka_unit_test(test_recursive_messages_by_value),
        cmocka_unit_test(test_messages_in_dependency_order),
        cmocka_unit_test(test_nested_arrays_rejected),
        cmocka_unit_test(test_c_keywords_and_reserved_names),
        cmocka_unit_test(test_generated_name_collisions),
        cmocka_unit_test(test_unknown_option_suggests),
        cmocka_unit_test(test_option_units),
        cmocka_unit_test(test_option_ranges),
        cmocka_unit_test(test_option_values),
        cmocka_unit_test(test_option_values_resolved),
        cmocka_unit_test(test_pool_option),
        cmocka_unit_test(test_duplicate_option),
        cmocka_unit_test(test_package_rules),
        cmocka_unit_test(test_edit_distance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
