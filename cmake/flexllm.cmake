# Shared CMake helpers: embedded text files and GoogleTest suites by label.

# flexllm_embed(<target> <function-name> <files...>): adds a generated .cpp to <target> that defines
# flexllm::embedded::<function-name>() returning {stem, content} pairs.
function(flexllm_embed target fn)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/embedded_${fn}.cpp")
  string(REPLACE ";" "," files "${ARGN}")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNS=${fn} "-DFILES=${files}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${ARGN} ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    COMMENT "Embedding ${fn}" VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()

# flexllm_test_suite(<label> <libs...>): one GoogleTest executable per label, from every
# tests/<label>/*_test.cpp; each test carries the CTest label.
function(flexllm_test_suite label)
  file(GLOB srcs CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/${label}/*_test.cpp")
  if(NOT srcs)
    return()
  endif()
  set(exe "${label}_tests")
  add_executable(${exe} ${srcs})
  target_link_libraries(${exe} PRIVATE ${ARGN} GTest::gtest_main GTest::gmock)
  target_include_directories(${exe} PRIVATE "${PROJECT_SOURCE_DIR}")
  target_compile_definitions(${exe} PRIVATE FLEXLLM_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                                            FLEXLLM_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${exe} PROPERTIES LABELS ${label} DISCOVERY_TIMEOUT 60)
endfunction()
