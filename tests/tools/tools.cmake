# tools: generators used by the capture-driven tests (libc only).
add_executable(pcapgen ${CMAKE_SOURCE_DIR}/tests/tools/pcapgen.c ${CMAKE_SOURCE_DIR}/tests/tools/pcapgen_dns.c)
