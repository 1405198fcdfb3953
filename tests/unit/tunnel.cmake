# unit_tunnel: proxy tunnel preambles (HTTP CONNECT, SOCKS4/4a, SOCKS5) fed whole, bytewise and split.
add_executable(test_tunnel ${CMAKE_SOURCE_DIR}/tests/unit/test_tunnel.c)
target_link_libraries(test_tunnel PRIVATE mt_smtp)
add_test(NAME unit_tunnel COMMAND test_tunnel)

# libFuzzer target for the preamble decoder (configure with CC=clang -DMAILTAP_FUZZ=ON).
if(MAILTAP_FUZZ)
  add_executable(fuzz_tunnel ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_tunnel.c)
  target_link_libraries(fuzz_tunnel PRIVATE mt_smtp)
  target_link_options(fuzz_tunnel PRIVATE -fsanitize=fuzzer)
endif()
