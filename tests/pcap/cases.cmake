# pcap cases: one ctest test per directory tests/pcap/<case>/ that has an expected.txt.
file(GLOB MT_PCAP_CASES LIST_DIRECTORIES true ${CMAKE_SOURCE_DIR}/tests/pcap/*)
list(SORT MT_PCAP_CASES)
foreach(dir ${MT_PCAP_CASES})
  if(IS_DIRECTORY ${dir} AND EXISTS ${dir}/expected.txt)
    get_filename_component(name ${dir} NAME)
    add_test(NAME pcap_${name}
             COMMAND sh ${CMAKE_SOURCE_DIR}/tests/pcap/run-case.sh $<TARGET_FILE:mailtap>
                     $<TARGET_FILE:pcapgen> ${dir} ${CMAKE_BINARY_DIR}/pcap-work/${name})
    set_tests_properties(pcap_${name} PROPERTIES TIMEOUT 60)
  endif()
endforeach()
