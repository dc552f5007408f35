/* parser.y - grammar of the .job language (pure bison, locations, error recovery). */
%code requires {
#include "ast.h"

/* State of one parse, shared by lexer and grammar actions (no globals). */
struct idl_parser {
    idl_file *file;
    const idl_sink *sink;
    int errors;
    idl_loc comment_loc;
    idl_reserved *last_reserved; /* the item reserved_item_one made */
    char *docbuf;          /* doc comment text not yet taken by a declaration */
    size_t doclen, doccap, blockstart;
};

typedef struct idl_number { uint64_t num; const char *unit; } idl_number;
}

%code provides {
int idl_yylex(IDL_YYSTYPE *lval, idl_loc *lloc, void *scanner);
int idl_lex_number(struct idl_parser *p, const char *text, IDL_YYSTYPE *val, idl_loc *loc);
void idl_lex_doc(struct idl_parser *p, const char *text, size_t len);
void idl_lex_doc_add(struct idl_parser *p, const char *text, size_t len);
void idl_lex_doc_block(struct idl_parser *p);
const char *idl_lex_take_doc(struct idl_parser *p);
void idl_lex_drop_doc(struct idl_parser *p);
}

%code {
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void idl_yyerror(idl_loc *loc, void *scanner, struct idl_parser *p, const char *msg)
{
    (void)scanner;
    idl_report(p->sink, IDL_ERROR, *loc, "%s", msg);
    p->errors++;
}

static idl_loc idl_span(idl_loc a, idl_loc b)
{
    a.last_line = b.last_line;
    a.last_column = b.last_column;
    return a;
}

static void idl_add_decl(struct idl_parser *p, idl_decl_kind kind, idl_loc loc, const char *name,
                         idl_message *m, idl_job *j, idl_enum *e)
{
    idl_decl *d = idl_alloc(p->file, sizeof *d);
    d->kind = kind;
    d->loc = loc;
    d->name = name;
    d->message = m;
    d->job = j;
    d->enm = e;
    d->file = p->file;
    idl_push(p->file, (void ***)&p->file->decls, &p->file->ndecls, d);
}

static idl_field *idl_new_field(struct idl_parser *p, const char *name, idl_loc loc, idl_type *t)
{
    idl_field *f = idl_alloc(p->file, sizeof *f);
    f->name = name;
    f->loc = loc;
    f->type = t;
    return f;
}

/* `= N` after a field or parameter: a plain number. */
static void idl_plain(struct idl_parser *p, idl_number n, idl_loc loc)
{
    if (n.unit[0]) {
        idl_report(p->sink, IDL_ERROR, loc, "a field number is a plain number, not '%llu%s'",
                   (unsigned long long)n.num, n.unit);
        p->errors++;
    }
}

static void idl_number_field(struct idl_parser *p, idl_field *f, idl_number n, idl_loc loc)
{
    idl_plain(p, n, loc);
    f->numbered = 1;
    f->num = n.num;
    f->num_loc = loc;
}

static void idl_expect_reserved(struct idl_parser *p, const char *word, idl_loc loc)
{
    if (strcmp(word, "reserved") != 0) {
        idl_report(p->sink, IDL_ERROR, loc, "unexpected '%s' (a field is NAME: TYPE; a list of "
                   "numbers or names follows only 'reserved')", word);
        p->errors++;
    }
}

static idl_reserved *idl_new_reserved(struct idl_parser *p, idl_loc loc, uint64_t lo, uint64_t hi,
                                      const char *name)
{
    idl_reserved *r = idl_alloc(p->file, sizeof *r);
    r->loc = loc;
    r->lo = lo;
    r->hi = hi;
    r->name = name;
    return r;
}

static idl_type *idl_new_type(struct idl_parser *p, const char *name, idl_type *elem, idl_loc loc)
{
    idl_type *t = idl_alloc(p->file, sizeof *t);
    t->name = name;
    t->elem = elem;
    t->loc = loc;
    return t;
}
}

%define api.pure full
%define api.prefix {idl_yy}
%define api.location.type {idl_loc}
%define parse.error detailed
%locations
%initial-action { @$.first_line = @$.last_line = 1; @$.first_column = 1; @$.last_column = 0; }
%lex-param {void *scanner}
%parse-param {void *scanner} {struct idl_parser *p}

%union {
    const char *str;
    const char *doc;
    idl_enum *enm;
    idl_enum_value *enum_value;
    idl_number num;
    idl_type *type;
    idl_field *field;
    idl_message *message;
    idl_job *job;
    idl_option *option;
    idl_value value;
}

%token PACKAGE "package" ARROW "->"
%token <doc> MESSAGE "message" JOB "job" ENUM "enum"
%token <str> IDENT "identifier" STRING "string"
%token <num> NUMBER "number"
%type <type> type result
%type <field> field param
%type <message> fields
%type <job> params param_list options option_list
%type <option> option
%type <value> value
%type <enm> enum_values
%type <enum_value> enum_value
%type <job> reserved_items

%%

file : %empty
     | file decl
     ;

/* decl -> 'package' IDENT ';' | message | job */
decl : "package" IDENT ';'      { idl_add_decl(p, IDL_DECL_PACKAGE, @2, $2, NULL, NULL, NULL); }
     | IDENT STRING ';'         { if (strcmp($1, "import") == 0) {
                                      idl_add_decl(p, IDL_DECL_IMPORT, @2, $2, NULL, NULL, NULL);
                                  } else {
                                      idl_report(p->sink, IDL_ERROR, @1, "unexpected '%s' (a file starts with package, import, enum, message or job)", $1);
                                      p->errors++;
                                  } }
     | "message" IDENT '{' fields '}'
                                { $4->name = $2; $4->loc = @2; $4->doc = $1;
                                  idl_add_decl(p, IDL_DECL_MESSAGE, @2, $2, $4, NULL, NULL); }
     | "job" IDENT '(' params ')' result options
                                { $4->name = $2; $4->loc = @2; $4->result = $6; $4->doc = $1;
                                  $4->options = $7->options; $4->noptions = $7->noptions;
                                  $4->reserved = $7->reserved; $4->nreserved = $7->nreserved;
                                  idl_add_decl(p, IDL_DECL_JOB, @2, $2, NULL, $4, NULL); }
     | "enum" IDENT '{' enum_values '}'
                                { $4->name = $2; $4->loc = @2; $4->doc = $1;
                                  idl_add_decl(p, IDL_DECL_ENUM, @2, $2, NULL, NULL, $4); }
     | error ';'                { yyerrok; }
     | error '}'                { yyerrok; }
     ;

/* enum_values -> { IDENT '=' NUMBER ';' } */
enum_values : %empty            { $$ = idl_alloc(p->file, sizeof(idl_enum)); }
            | enum_values enum_value
                                { $$ = $1; if ($2) idl_push(p->file, (void ***)&$$->values, &$$->nvalues, $2); }
            ;

enum_value : IDENT '=' NUMBER ';'
                                { $$ = idl_alloc(p->file, sizeof(idl_enum_value));
                                  $$->name = $1; $$->loc = @1; $$->num = $3.num;
                                  if ($3.unit[0]) {
                                      idl_report(p->sink, IDL_ERROR, @3, "enum value '%s' takes a plain number", $1);
                                      p->errors++;
                                  } }
           | error ';'          { $$ = NULL; yyerrok; }
           ;

/* fields -> { IDENT ':' type [ '=' NUMBER ] ';' | 'reserved' reserved_items ';' } */
fields : %empty                 { $$ = idl_alloc(p->file, sizeof(idl_message)); }
       | fields field           { $$ = $1; if ($2) idl_push(p->file, (void ***)&$$->fields, &$$->nfields, $2); }
       | fields IDENT reserved_items ';'
                                { $$ = $1; idl_expect_reserved(p, $2, @2);
                                  for (size_t i = 0; i < $3->nreserved; i++)
                                      idl_push(p->file, (void ***)&$$->reserved, &$$->nreserved, $3->reserved[i]); }
       ;

field : IDENT ':' type ';'      { $$ = idl_new_field(p, $1, @1, $3); }
      | IDENT ':' type '=' NUMBER ';'
                                { $$ = idl_new_field(p, $1, @1, $3); idl_number_field(p, $$, $5, @5); }
      | error ';'               { $$ = NULL; yyerrok; }
      ;

/* reserved_items -> item { ',' item }, item -> NUMBER [ 'to' NUMBER ] | STRING
   ('reserved' and 'to' are names elsewhere) */
reserved_items : reserved_item_one  { $$ = idl_alloc(p->file, sizeof(idl_job));
                                      idl_push(p->file, (void ***)&$$->reserved, &$$->nreserved, p->last_reserved); }
               | reserved_items ',' reserved_item_one
                                    { $$ = $1; idl_push(p->file, (void ***)&$$->reserved, &$$->nreserved, p->last_reserved); }
               ;

reserved_item_one : NUMBER      { p->last_reserved = idl_new_reserved(p, @1, $1.num, $1.num, NULL); idl_plain(p, $1, @1); }
                  | NUMBER IDENT NUMBER
                                { p->last_reserved = idl_new_reserved(p, idl_span(@1, @3), $1.num, $3.num, NULL);
                                  idl_plain(p, $1, @1); idl_plain(p, $3, @3);
                                  if (strcmp($2, "to") != 0) {
                                      idl_report(p->sink, IDL_ERROR, @2, "expected 'to' in a reserved range, not '%s'", $2);
                                      p->errors++;
                                  } }
                  | STRING      { p->last_reserved = idl_new_reserved(p, @1, 0, 0, $1); }
                  ;

/* params -> [ IDENT ':' type { ',' IDENT ':' type } ] */
params : %empty                 { $$ = idl_alloc(p->file, sizeof(idl_job)); }
       | param_list
       ;

param_list : param              { $$ = idl_alloc(p->file, sizeof(idl_job));
                                  idl_push(p->file, (void ***)&$$->params, &$$->nparams, $1); }
           | param_list ',' param
                                { $$ = $1; idl_push(p->file, (void ***)&$$->params, &$$->nparams, $3); }
           ;

param : IDENT ':' type          { $$ = idl_new_field(p, $1, @1, $3); }
      | IDENT ':' type '=' NUMBER
                                { $$ = idl_new_field(p, $1, @1, $3); idl_number_field(p, $$, $5, @5); }
      ;

/* result -> [ '->' type ] */
result : %empty                 { $$ = NULL; }
       | "->" type              { $$ = $2; }
       ;

/* options -> ';' | '{' { IDENT '=' value ';' } '}' */
options : ';'                   { $$ = idl_alloc(p->file, sizeof(idl_job)); }
        | '{' option_list '}'   { $$ = $2; }
        ;

option_list : %empty         { $$ = idl_alloc(p->file, sizeof(idl_job)); }
            | option_list option { $$ = $1; if ($2) idl_push(p->file, (void ***)&$$->options, &$$->noptions, $2); }
            | option_list IDENT reserved_items ';'
                                 { $$ = $1; idl_expect_reserved(p, $2, @2);
                                   for (size_t i = 0; i < $3->nreserved; i++)
                                       idl_push(p->file, (void ***)&$$->reserved, &$$->nreserved, $3->reserved[i]); }
            ;

option : IDENT '=' value ';'    { $$ = idl_alloc(p->file, sizeof(idl_option));
                                  $$->name = $1; $$->loc = @1; $$->value = $3; }
       | error ';'              { $$ = NULL; yyerrok; }
       ;

value : NUMBER                  { $$.ident = NULL; $$.num = $1.num; $$.unit = $1.unit; $$.loc = @1; }
      | IDENT                   { $$.ident = $1; $$.num = 0; $$.unit = ""; $$.loc = @1; }
      ;

/* type -> [ 'optional' ] IDENT | '[' type ']'  ('optional' is a name elsewhere) */
type : IDENT                    { $$ = idl_new_type(p, $1, NULL, @1); }
     | IDENT IDENT              { $$ = idl_new_type(p, $2, NULL, @2);
                                  if (strcmp($1, "optional") == 0) {
                                      $$->optional = 1;
                                  } else {
                                      idl_report(p->sink, IDL_ERROR, @1, "unexpected '%s' before the type '%s' (only 'optional' may come there)", $1, $2);
                                      p->errors++;
                                  } }
     | IDENT '[' type ']'       { $$ = idl_new_type(p, NULL, $3, idl_span(@2, @4));
                                  idl_report(p->sink, IDL_ERROR, @1, strcmp($1, "optional") == 0
                                      ? "an array cannot be optional: an empty array is its absence"
                                      : "unexpected '%s' before an array type", $1);
                                  p->errors++; }
     | '[' type ']'             { $$ = idl_new_type(p, NULL, $2, idl_span(@1, @3)); }
     ;

%%

/* Lexer entry points (lexer.c); declared here to avoid including its header. */
int idl_yylex_init_extra(struct idl_parser *extra, void **scanner);
int idl_yylex_destroy(void *scanner);
void *idl_yy_scan_bytes(const char *bytes, int len, void *scanner);

int idl_parse(const char *path, const char *src, size_t len, const idl_sink *sink,
              idl_file **out)
{
    idl_file *f = idl_file_new(path);
    struct idl_parser p = { .file = f, .sink = sink };
    void *scanner;
    idl_yylex_init_extra(&p, &scanner);
    idl_yy_scan_bytes(src, (int)len, scanner);
    idl_yyparse(scanner, &p);
    idl_yylex_destroy(scanner);
    free(p.docbuf);
    f->incomplete = p.errors > 0;
    *out = f;
    return p.errors;
}
