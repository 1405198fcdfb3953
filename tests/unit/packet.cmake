# unit_packet: link/IP/TCP decoding of hand-built frames against a guard page.
add_executable(test_packet ${CMAKE_SOURCE_DIR}/tests/unit/test_packet.c)
target_link_libraries(test_packet PRIVATE mt_packet)
add_test(NAME unit_packet COMMAND test_packet)
# unit_defrag: IP fragment reassembly, every split and order, limits and hostile fragments.
add_executable(test_defrag ${CMAKE_SOURCE_DIR}/tests/unit/test_defrag.c)
target_link_libraries(test_defrag PRIVATE mt_packet)
add_test(NAME unit_defrag COMMAND test_defrag)
