# install-units.cmake — install-time step: systemd units with Exec paths in the real prefix, and the
# /etc files (in /etc when the prefix is /usr, else under the prefix). Needs MT_DIST and MT_STAGE.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(mt_etc /etc)
else()
  set(mt_etc ${CMAKE_INSTALL_PREFIX}/etc)
endif()

file(GLOB mt_units ${MT_DIST}/*.service ${MT_DIST}/*.timer)
file(MAKE_DIRECTORY ${MT_STAGE})
set(mt_staged)
foreach(unit ${mt_units})
  get_filename_component(name ${unit} NAME)
  file(READ ${unit} text)
  string(REGEX REPLACE "=/usr(/local)?/bin/" "=${CMAKE_INSTALL_PREFIX}/bin/" text "${text}")
  string(REGEX REPLACE "/usr(/local)?/share/doc/" "${CMAKE_INSTALL_PREFIX}/share/doc/" text "${text}")
  file(WRITE ${MT_STAGE}/${name} "${text}")
  list(APPEND mt_staged ${MT_STAGE}/${name})
endforeach()
file(INSTALL ${mt_staged} DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/systemd/system
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

file(INSTALL ${MT_DIST}/mailtap.default DESTINATION ${mt_etc}/default RENAME mailtap
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL ${MT_DIST}/mailtap.logrotate DESTINATION ${mt_etc}/logrotate.d RENAME mailtap
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
