# unit_reasm, unit_flow: the sensor's stream reassembly and flow table.
add_executable(test_reasm ${CMAKE_SOURCE_DIR}/tests/unit/test_reasm.c ${CMAKE_SOURCE_DIR}/sensor/reasm.c)
add_test(NAME unit_reasm COMMAND test_reasm)
add_executable(test_flow ${CMAKE_SOURCE_DIR}/tests/unit/test_flow.c ${CMAKE_SOURCE_DIR}/sensor/flow.c)
add_test(NAME unit_flow COMMAND test_flow)
add_executable(test_jsonout ${CMAKE_SOURCE_DIR}/tests/unit/test_jsonout.c)
target_link_libraries(test_jsonout PRIVATE mt_sensor)
add_test(NAME unit_jsonout COMMAND test_jsonout)
# unit_pcapfile: classic pcap read in place, and a file truncated under the reader.
add_executable(test_pcapfile ${CMAKE_SOURCE_DIR}/tests/unit/test_pcapfile.c)
target_link_libraries(test_pcapfile PRIVATE mt_sensor)
add_test(NAME unit_pcapfile COMMAND test_pcapfile)
# unit_zfile: gzip and zstd capture files decompressed as they are read; cut or damaged data fails.
add_executable(test_zfile ${CMAKE_SOURCE_DIR}/tests/unit/test_zfile.c)
target_link_libraries(test_zfile PRIVATE mt_sensor)
add_test(NAME unit_zfile COMMAND test_zfile)
