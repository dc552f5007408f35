/* status.c - readable strings for status codes (one table: LUCIDITY_STATUS_MAP). */
#include "lucidity.h"

const char *lucidity_strerror(int status)
{
    switch (status) {
#define LUC_CASE(name, value, msg) case value: return msg;
        LUCIDITY_STATUS_MAP(LUC_CASE)
#undef LUC_CASE
    }
    return "unknown status";
}

const char *lucidity_err_name(int status)
{
    switch (status) {
#define LUC_CASE(name, value, msg) case value: return "LUCIDITY_" #name;
        LUCIDITY_STATUS_MAP(LUC_CASE)
#undef LUC_CASE
    }
    return "LUCIDITY_UNKNOWN";
}
