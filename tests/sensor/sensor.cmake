# sensor_dhcp: DHCP seen on the span names the device that sends mail.
add_test(NAME sensor_dhcp COMMAND ${CMAKE_SOURCE_DIR}/tests/sensor/dhcp.sh $<TARGET_FILE:mailtap>
         $<TARGET_FILE:pcapgen> ${CMAKE_BINARY_DIR}/sensor-dhcp)
# sensor_pcapng: pcapng input (a file and standard input) gives what the same packets give as pcap.
add_test(NAME sensor_pcapng COMMAND ${CMAKE_SOURCE_DIR}/tests/sensor/pcapng.sh $<TARGET_FILE:mailtap>
         $<TARGET_FILE:pcapgen> ${CMAKE_BINARY_DIR}/sensor-pcapng)
# sensor_retention: --retain-days and --max-db-mb delete the oldest sessions with their findings.
add_test(NAME sensor_retention COMMAND ${CMAKE_SOURCE_DIR}/tests/sensor/retention.sh $<TARGET_FILE:mailtap>
         $<TARGET_FILE:pcapgen> $<TARGET_FILE:floodgen> ${CMAKE_BINARY_DIR}/sensor-retention)
# sensor_setuid: a setuid install refuses to run (root needed to build the setuid copy).
add_test(NAME sensor_setuid COMMAND ${CMAKE_SOURCE_DIR}/tests/sensor/setuid.sh $<TARGET_FILE:mailtap>)
set_tests_properties(sensor_setuid PROPERTIES SKIP_RETURN_CODE 77)
# sensor_pcapfile: classic pcap read in place (memory-mapped) gives what libpcap gives, damage included.
add_test(NAME sensor_pcapfile COMMAND ${CMAKE_SOURCE_DIR}/tests/sensor/pcapfile.sh $<TARGET_FILE:mailtap>
         $<TARGET_FILE:pcapgen> $<TARGET_FILE:bench_gen> ${CMAKE_BINARY_DIR}/sensor-pcapfile)
# sensor_dpi: nDPI confirms SMTP on other ports from the server's first payload; clients that speak
# first never reach it.
add_test(NAME sensor_dpi COMMAND ${CMAKE_SOURCE_DIR}/tests/sensor/dpi.sh $<TARGET_FILE:mailtap>
         $<TARGET_FILE:pcapgen> ${CMAKE_BINARY_DIR}/sensor-dpi)
# sensor_compressed: gzip and zstd captures (told by their first bytes) give what the plain ones give;
# cut or damaged compressed data is a damaged capture whose earlier sessions are stored.
add_test(NAME sensor_compressed COMMAND ${CMAKE_SOURCE_DIR}/tests/sensor/compressed.sh $<TARGET_FILE:mailtap>
         $<TARGET_FILE:pcapgen> $<TARGET_FILE:bench_gen> ${CMAKE_BINARY_DIR}/sensor-compressed)
# sensor_encap: tests/data/sample.pcap wrapped by scapy in VXLAN, GENEVE, GRE, ERSPAN I/II/III, MPLS,
# PPPoE, IPIP and nested tunnels gives the plain capture's sessions, findings and devices; UDP to 4789
# without the VXLAN I flag decodes nothing (tests/sensor/encap.sh, needs python3-scapy).
add_test(NAME sensor_encap COMMAND ${CMAKE_SOURCE_DIR}/tests/sensor/encap.sh $<TARGET_FILE:mailtap>)
set_tests_properties(sensor_encap PROPERTIES TIMEOUT 120)
