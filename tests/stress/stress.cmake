# stress: hostile load, memory bound, database durability, CLI refusals, secrets (tests/stress/README.md).
add_executable(floodgen ${CMAKE_SOURCE_DIR}/tests/tools/floodgen.c)
set(MT_STRESS_DIR ${CMAKE_SOURCE_DIR}/tests/stress)
set(MT_STRESS_WORK ${CMAKE_BINARY_DIR}/stress-work)
if(MAILTAP_SANITIZE)
  set(MT_STRESS_SANITIZED sanitized)
else()
  set(MT_STRESS_SANITIZED "")
endif()

# Peak RSS under a SYN flood and 100,000 half-open sessions; skipped (77) until mailtap has --memcap.
add_test(NAME stress_flood
         COMMAND bash ${MT_STRESS_DIR}/flood.sh $<TARGET_FILE:mailtap> $<TARGET_FILE:floodgen>
                 ${MT_STRESS_WORK}/flood ${MT_STRESS_SANITIZED})
set_tests_properties(stress_flood PROPERTIES TIMEOUT 240 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)

# kill -9 twenty times while writing: integrity_check ok, session count never goes down.
add_test(NAME stress_durability
         COMMAND bash ${MT_STRESS_DIR}/durability.sh $<TARGET_FILE:mailtap> $<TARGET_FILE:floodgen>
                 ${MT_STRESS_WORK}/durability)
set_tests_properties(stress_durability PROPERTIES TIMEOUT 240 RUN_SERIAL TRUE)

# Full disk (tmpfs, root): write errors counted, mailtap keeps reading stdin, writes resume.
add_test(NAME stress_fulldisk
         COMMAND bash ${MT_STRESS_DIR}/fulldisk.sh $<TARGET_FILE:mailtap> $<TARGET_FILE:floodgen>
                 ${MT_STRESS_WORK}/fulldisk)
set_tests_properties(stress_fulldisk PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)

# A reader holding a transaction open does not stall the sensor.
add_test(NAME stress_reader_lock
         COMMAND bash ${MT_STRESS_DIR}/reader_lock.sh $<TARGET_FILE:mailtap> $<TARGET_FILE:floodgen>
                 ${MT_STRESS_WORK}/reader_lock)
set_tests_properties(stress_reader_lock PROPERTIES TIMEOUT 180)

# Newer schema and foreign SQLite files refused (exit 1, untouched); corrupt files moved aside.
add_test(NAME stress_cli_refusal
         COMMAND bash ${MT_STRESS_DIR}/cli_refusal.sh $<TARGET_FILE:mailtap> $<TARGET_FILE:pcapgen>
                 ${MT_STRESS_WORK}/cli_refusal)
set_tests_properties(stress_cli_refusal PROPERTIES TIMEOUT 60)

# Hostile wire strings stored escaped and harmless in every report format.
add_test(NAME stress_hostile_strings
         COMMAND bash ${MT_STRESS_DIR}/hostile_strings.sh $<TARGET_FILE:mailtap> $<TARGET_FILE:pcapgen>
                 ${MT_STRESS_WORK}/hostile_strings)
set_tests_properties(stress_hostile_strings PROPERTIES TIMEOUT 60)

# AUTH PLAIN/LOGIN/XOAUTH2, SOCKS5 and Proxy-Authorization secrets and their base64 nowhere: database, -wal, JSON, output, reports.
add_test(NAME stress_secrets
         COMMAND bash ${MT_STRESS_DIR}/secrets.sh $<TARGET_FILE:mailtap> $<TARGET_FILE:pcapgen>
                 ${MT_STRESS_WORK}/secrets)
set_tests_properties(stress_secrets PROPERTIES TIMEOUT 60)
