/* status_test.c - lucidity_strerror / lucidity_err_name over the status table. */
#include <string.h>

#include "unit.h"

static const int all[] = {
#define X(name, value, msg) LUCIDITY_##name,
    LUCIDITY_STATUS_MAP(X)
#undef X
};
static const char *const names[] = {
#define X(name, value, msg) "LUCIDITY_" #name,
    LUCIDITY_STATUS_MAP(X)
#undef X
};
#define NSTATUS (sizeof all / sizeof all[0])

static void every_status_has_its_own_message_and_name(void **state)
{
    (void)state;
    for (size_t i = 0; i < NSTATUS; i++) {
        assert_string_equal(lucidity_err_name(all[i]), names[i]);
        assert_string_not_equal(lucidity_strerror(all[i]), "unknown status");
        assert_true(strlen(lucidity_strerror(all[i])) > 0);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(all[i], all[j]);
            assert_string_not_equal(lucidity_strerror(all[i]), lucidity_strerror(all[j]));
            assert_string_not_equal(lucidity_err_name(all[i]), lucidity_err_name(all[j]));
        }
    }
}

static void failures_are_negative_and_pending_positive(void **state)
{
    (void)state;
    for (size_t i = 0; i < NSTATUS; i++)
        if (all[i] != LUCIDITY_OK && all[i] != LUCIDITY_PENDING)
            assert_true(all[i] < 0);
    assert_true(LUCIDITY_PENDING > 0);
}

static void unknown_codes_get_generic_strings(void **state)
{
    (void)state;
    const int unknown[] = {2, -99, 12345, -9999, INT32_MIN};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        assert_string_equal(lucidity_strerror(unknown[i]), "unknown status");
        assert_string_equal(lucidity_err_name(unknown[i]), "LUCIDITY_UNKNOWN");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_status_has_its_own_message_and_name),
        cmocka_unit_test(failures_are_negative_and_pending_positive),
        cmocka_unit_test(unknown_codes_get_generic_strings),
    };
    return cmocka_run_group_tests_name("runtime.unit.status", tests, NULL, NULL);
}
