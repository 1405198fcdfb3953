# unit_dhcp, unit_oui: device identity — the DHCP parser and the MAC vendor lookup on Debian's
# real ieee-data registry.
add_executable(test_dhcp ${CMAKE_SOURCE_DIR}/tests/unit/test_dhcp.c)
target_link_libraries(test_dhcp PRIVATE mt_dhcp)
add_test(NAME unit_dhcp COMMAND test_dhcp)

add_executable(test_oui ${CMAKE_SOURCE_DIR}/tests/unit/test_oui.c)
target_link_libraries(test_oui PRIVATE mt_db)
add_test(NAME unit_oui COMMAND test_oui)

# unit_dns: the DNS response parser (mail security policy facts) on built messages.
add_executable(test_dns ${CMAKE_SOURCE_DIR}/tests/unit/test_dns.c)
target_link_libraries(test_dns PRIVATE mt_dns)
add_test(NAME unit_dns COMMAND test_dns)
