# nsxv_warnings(target): the project's warning set, applied to our own targets only (never to the
# separately compiled Boost sources). -Werror comes from NSXV_WERROR so CI and presets decide.
function(nsxv_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-qual
    -Wformat=2 -Wimplicit-fallthrough -Wmissing-declarations
    # Designated initializers that rely on member defaults are intended (GCC 12 warns on them).
    -Wno-missing-field-initializers
    $<$<CXX_COMPILER_ID:Clang>:-Wthread-safety>
    $<$<BOOL:${NSXV_WERROR}>:-Werror>)
  if(NSXV_SANITIZE STREQUAL "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-tsan)  # Asio's fences under GCC TSan
  endif()
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
endfunction()
