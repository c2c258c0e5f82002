# Installation, the exported CMake package and the .deb packages.
#
#   cmake --install build --prefix /opt/nsxv-sim          # nsxv-md and fake-nsxv in bin/, the
#                                                         # libraries, headers and the package
#   find_package(nsxv_sim CONFIG REQUIRED)                 # in another project:
#   target_link_libraries(app PRIVATE nsxv_sim::driver nsxv_sim::fake)
#   cpack --config build/CPackConfig.cmake -B build/pkg   # nsxv-sim_*.deb and nsxv-sim-dev_*.deb
#
# Components: "runtime" (the two executables) and "dev" (static libraries, headers, CMake package).
# Headers keep their source-tree paths under include/nsxv-sim/, so code includes
# "driver/nsxv/vcns.h" and "fake_nsxv/fake_manager.h" exactly as inside this project.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(NSXV_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/nsxv-sim)
set(NSXV_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/nsxv_sim)

install(TARGETS nsxv-md fake-nsxv RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)

# The embeddable libraries: core value types, Beast/Asio compiled once, the driver, the fake.
set_target_properties(nsxv_core PROPERTIES EXPORT_NAME core)
set_target_properties(nsxv_asio PROPERTIES EXPORT_NAME asio)
set_target_properties(nsxv_driver PROPERTIES EXPORT_NAME driver)
set_target_properties(nsxv_fake PROPERTIES EXPORT_NAME fake)
foreach(lib nsxv_core nsxv_asio nsxv_driver nsxv_fake)
  target_include_directories(${lib} INTERFACE $<INSTALL_INTERFACE:${NSXV_INSTALL_INCLUDEDIR}>)
endforeach()
install(TARGETS nsxv_core nsxv_asio nsxv_driver nsxv_fake EXPORT nsxv_simTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
foreach(dir driver fake_nsxv)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${NSXV_INSTALL_INCLUDEDIR}/${dir}
          COMPONENT dev FILES_MATCHING PATTERN "*.h")
endforeach()
install(EXPORT nsxv_simTargets NAMESPACE nsxv_sim:: DESTINATION ${NSXV_INSTALL_CMAKEDIR}
        COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/nsxv_simConfig.cmake.in
  ${PROJECT_BINARY_DIR}/nsxv_simConfig.cmake INSTALL_DESTINATION ${NSXV_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/nsxv_simConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/nsxv_simConfig.cmake
              ${PROJECT_BINARY_DIR}/nsxv_simConfigVersion.cmake
        DESTINATION ${NSXV_INSTALL_CMAKEDIR} COMPONENT dev)

# Debian packages: nsxv-sim (executables; shared-library dependencies found by dpkg-shlibdeps)
# and nsxv-sim-dev (what find_package(nsxv_sim) needs at build time).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME nsxv-sim)
set(CPACK_PACKAGE_VENDOR "nsxv-sim developers")
set(CPACK_PACKAGE_CONTACT "nsxv-sim developers <nsxv-sim@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "NSX-v metadata-proxy driver, fake NSX-v manager and scenario runner")
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME nsxv-sim)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME nsxv-sim-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libboost1.81-dev, libssl-dev, nlohmann-json3-dev, libsqlite3-dev, libmariadb-dev, libspdlog-dev, libcli11-dev, cmake (>= 3.25)")
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
include(CPack)
