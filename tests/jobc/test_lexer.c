/* Lexer and parser: tokens, locations, numbers with units, comments, bad characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jobc.h"

/* Parses src; returns the tree and collects diagnostics as "line:col: msg" lines. */
typedef struct parsed {
    idl_file *f;
    jobc_buf msgs;
    int errors;
} parsed;

static void collect(void *user, idl_severity sev, idl_loc loc, const char *msg)
{
    parsed *p = user;
    jobc_buf_printf(&p->msgs, "%d:%d-%d:%s%s\n", loc.first_line, loc.first_column,
                    loc.last_column, sev == IDL_NOTE ? "note: " : "", msg);
}

static parsed parse(const char *src)
{
    parsed p = {0};
    idl_sink sink = {collect, &p};
    p.errors = idl_parse("t.job", src, strlen(src), &sink, &p.f);
    jobc_buf_puts(&p.msgs, "");
    return p;
}

static void done(parsed *p)
{
    idl_file_free(p->f);
    jobc_buf_free(&p->msgs);
}

static void test_job_tokens_and_locations(void **state)
{
    (void)state;
    parsed p = parse("job square(a: u32) -> u32;\n  message Point { x: f64; }");
    assert_int_equal(p.errors, 0);
    assert_int_equal(p.f->ndecls, 2);
    idl_decl *j = p.f->decls[0];
    assert_int_equal(j->kind, IDL_DECL_JOB);
    assert_string_equal(j->name, "square");
    assert_int_equal(j->loc.first_line, 1);
    assert_int_equal(j->loc.first_column, 5);
    assert_int_equal(j->loc.last_column, 10);
    assert_int_equal(j->job->nparams, 1);
    assert_string_equal(j->job->params[0]->name, "a");
    assert_int_equal(j->job->params[0]->loc.first_column, 12);
    assert_string_equal(j->job->result->name, "u32");
    idl_decl *m = p.f->decls[1];
    assert_int_equal(m->kind, IDL_DECL_MESSAGE);
    assert_int_equal(m->loc.first_line, 2);
    assert_int_equal(m->loc.first_column, 11);
    assert_string_equal(m->message->fields[0]->name, "x");
    done(&p);
}

static void test_numbers_with_units(void **state)
{
    (void)state;
    parsed p = parse("job f() { memory = 64MiB; fuel = 0; timeout = 5s; fanout = random; }");
    assert_int_equal(p.errors, 0);
    idl_job *j = p.f->decls[0]->job;
    assert_int_equal(j->noptions, 4);
    assert_int_equal(j->options[0]->value.num, 64);
    assert_string_equal(j->options[0]->value.unit, "MiB");
    assert_int_equal(j->options[1]->value.num, 0);
    assert_string_equal(j->options[1]->value.unit, "");
    assert_string_equal(j->options[2]->value.unit, "s");
    assert_null(j->options[2]->value.ident);
    assert_string_equal(j->options[3]->value.ident, "random");
    done(&p);
}

static void test_integer_too_large(void **state)
{
    (void)state;
    parsed p = parse("job f() { fuel = 18446744073709551616; }");
    assert_int_equal(p.errors, 1);
    assert_string_equal(p.msgs.data, "1:18-37:integer literal '18446744073709551616' is too large\n");
    done(&p);
}

static void test_comments_are_skipped(void **state)
{
    (void)state;
    parsed p = parse("// line\n/* block\n over lines */ job /* inside */ f(); // end");
    assert_int_equal(p.errors, 0);
    assert_int_equal(p.f->ndecls, 1);
    assert_int_equal(p.f->decls[0]->loc.first_line, 3);
    assert_int_equal(p.f->decls[0]->loc.first_column, 33);
    done(&p);
}

static void test_unterminated_comment(void **state)
{
    (void)state;
    parsed p = parse("job f();\n  /* open");
    assert_int_equal(p.errors, 1);
    assert_string_equal(p.msgs.data, "2:3-4:unterminated comment\n");
    done(&p);
}

static void test_bad_characters_are_reported_each(void **state)
{
    (void)state;
    parsed p = parse("job f(); $\n#");
    assert_int_equal(p.errors, 2);
    assert_string_equal(p.msgs.data, "1:10-10:unexpected character '$'\n2:1-1:unexpected character '#'\n");
    done(&p);
}

static void test_syntax_errors_recover(void **state)
{
    (void)state;
    parsed p = parse("job f(a u32);\nmessage M { x: ; y: f64; }\njob g() -> u32;");
    assert_int_equal(p.errors, 2);
    /* recovery keeps the declarations after the errors */
    assert_int_equal(p.f->ndecls, 2);
    assert_string_equal(p.f->decls[0]->name, "M");
    assert_int_equal(p.f->decls[0]->message->nfields, 1);
    assert_string_equal(p.f->decls[1]->name, "g");
    assert_non_null(strstr(p.msgs.data, "1:9-11:syntax error, unexpected identifier, expecting ':'"));
    done(&p);
}

static void test_array_types(void **state)
{
    (void)state;
    parsed p = parse("job f(xs: [f64]) -> [[u32]];");
    assert_int_equal(p.errors, 0);
    idl_job *j = p.f->decls[0]->job;
    assert_null(j->params[0]->type->name);
    assert_string_equal(j->params[0]->type->elem->name, "f64");
    assert_non_null(j->result->elem->elem);
    assert_int_equal(j->result->loc.first_column, 21);
    assert_int_equal(j->result->loc.last_column, 27);
    done(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_job_tokens_and_locations),
        cmocka_unit_test(test_numbers_with_units),
        cmocka_unit_test(test_integer_too_large),
        cmocka_unit_test(test_comments_are_skipped),
        cmocka_unit_test(test_unterminated_comment),
        cmocka_unit_test(test_bad_characters_are_reported_each),
        cmocka_unit_test(test_syntax_errors_recover),
        cmocka_unit_test(test_array_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
