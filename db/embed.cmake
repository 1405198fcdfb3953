# Turn db/schema.sql into a C string constant (schema_sql) so the binary carries its schema.
file(READ ${IN} SQL)
string(REPLACE "\\" "\\\\" SQL "${SQL}")
string(REPLACE "\"" "\\\"" SQL "${SQL}")
string(REPLACE "\n" "\\n\"\n\"" SQL "${SQL}")
file(WRITE ${OUT} "/* generated from db/schema.sql */\nstatic const char schema_sql[] =\n\"${SQL}\";\n")
