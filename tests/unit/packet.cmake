# unit_packet: link/IP/TCP decoding of hand-built frames against a guard page.
add_executable(test_packet ${CMAKE_SOURCE_DIR}/tests/unit/test_packet.c)
target_link_libraries(test_packet PRIVATE mt_packet)
add_test(NAME unit_packet COMMAND test_packet)
