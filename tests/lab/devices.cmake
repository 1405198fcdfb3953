# lab_devices: the weekly report on a namespace-lab capture of 30 devices (tests/lab/devices.sh):
# exactly the cleartext senders listed in every format, hostile HELO names escaped, JSON/tlsrpt
# parsed, HTML rendered in headless Chromium (screenshot: ${CMAKE_BINARY_DIR}/lab-devices/render/).
# Needs root like the other lab tests.
if(MAILTAP_LAB_TESTS)
  add_test(NAME lab_devices
           COMMAND ${CMAKE_SOURCE_DIR}/tests/lab/devices.sh $<TARGET_FILE:mailtap>
                   ${CMAKE_BINARY_DIR}/lab-devices)
  set_tests_properties(lab_devices PROPERTIES TIMEOUT 300 RUN_SERIAL TRUE)
endif()
