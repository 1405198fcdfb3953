# bench: the throughput/memory benchmark's tools (run it with tests/bench/bench.sh; not a ctest test).
add_executable(bench_gen ${CMAKE_SOURCE_DIR}/tests/bench/gen.c ${CMAKE_SOURCE_DIR}/tests/bench/gen_emit.c
               ${CMAKE_SOURCE_DIR}/tests/bench/gen_tls.c)
target_link_libraries(bench_gen PRIVATE m)
add_executable(bench_floor ${CMAKE_SOURCE_DIR}/tests/bench/floor.c)
target_link_libraries(bench_floor PRIVATE PkgConfig::PCAP)
add_executable(bench_reader ${CMAKE_SOURCE_DIR}/tests/bench/reader.c)
target_link_libraries(bench_reader PRIVATE mt_sensor)

# Smoke test of the generator only: a 2 MB capture that libpcap reads to the end, and a truth file
# whose every line is a well-formed SMTP session.
add_test(NAME bench_gen_smoke
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/bench/smoke.sh $<TARGET_FILE:bench_gen> $<TARGET_FILE:bench_floor>
                 ${CMAKE_CURRENT_BINARY_DIR}/bench-smoke)
add_executable(bench_runstat ${CMAKE_SOURCE_DIR}/tests/bench/runstat.c)
