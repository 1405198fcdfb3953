# unit_store, unit_report: the SQLite writer and `mailtap report` against temporary databases.
add_executable(test_store ${CMAKE_SOURCE_DIR}/tests/unit/test_store.c)
target_link_libraries(test_store PRIVATE mt_db)
target_compile_definitions(test_store PRIVATE
  MT_SCHEMA_V1="${CMAKE_SOURCE_DIR}/tests/unit/data/schema-v1.sql")
add_test(NAME unit_store COMMAND test_store)

add_executable(test_report ${CMAKE_SOURCE_DIR}/tests/unit/test_report.c)
target_link_libraries(test_report PRIVATE mt_db)
add_test(NAME unit_report COMMAND test_report)

# unit_devcache: the writer's in-memory device rows against the upsert they replace; names vs CHECKs.
add_executable(test_devcache ${CMAKE_SOURCE_DIR}/tests/unit/test_devcache.c)
target_include_directories(test_devcache PRIVATE ${CMAKE_SOURCE_DIR}/db)
target_link_libraries(test_devcache PRIVATE mt_db)
add_test(NAME unit_devcache COMMAND test_devcache)

# unit_central: PostgreSQL address forms and password redaction (no server needed).
add_executable(test_central ${CMAKE_SOURCE_DIR}/tests/unit/test_central.c)
target_link_libraries(test_central PRIVATE mt_db)
add_test(NAME unit_central COMMAND test_central)
