# Generated RTL and Verilated models. flexllm-rtlgen writes SystemVerilog + manifest + harness
# binding per (kernel, config) at build time; the inner project tb/models verilate()s each into
# libflexllm_rtl_models.a (imported here as flexllm_rtl_models). One model per (kernel, config)
# serves every role: d_in and the channel-block count are runtime cfg_* ports.
include(ExternalProject)
find_package(verilator REQUIRED HINTS $ENV{VERILATOR_ROOT})

set(FLEXLLM_RTL_ARCHS tiny_a tiny_b CACHE STRING "Architecture configs built as Verilated models")
# The variants and the mutants of the fault-injection self-test (<variant>:<fault>, built for the
# first arch only) come from the kernel list, rtl_gen/kernels.txt (cmake/kernels.cmake).
set(FLEXLLM_RTL_DIR "${CMAKE_CURRENT_BINARY_DIR}/rtl" CACHE INTERNAL "generated RTL root")

set(rtl_outputs "")
set(rtl_modules "")  # arch/module
set(first TRUE)
foreach(arch IN LISTS FLEXLLM_RTL_ARCHS)
  set(dir "${FLEXLLM_RTL_DIR}/${arch}")
  set(mods "")
  foreach(k IN LISTS FLEXLLM_KERNEL_VARIANTS)
    list(APPEND mods "${k}_${arch}")
  endforeach()
  set(cmds COMMAND flexllm-rtlgen --arch ${arch} --out "${dir}" --quiet)
  if(first)
    foreach(kf IN LISTS FLEXLLM_KERNEL_FAULTS)
      string(REPLACE ":" ";" kfl "${kf}")
      list(GET kfl 0 k)
      list(GET kfl 1 f)
      string(REPLACE "-" "_" fi "${f}")
      list(APPEND mods "${k}_${arch}_fault_${fi}")
      list(APPEND cmds COMMAND flexllm-rtlgen --arch ${arch} --out "${dir}" --quiet --kernel ${k}
           --inject-fault ${f})
    endforeach()
    set(first FALSE)
  endif()
  set(outs "")
  foreach(m IN LISTS mods)
    list(APPEND outs "${dir}/${m}.sv" "${dir}/${m}.json" "${dir}/${m}_bind.cpp")
    list(APPEND rtl_modules "${arch}/${m}")
  endforeach()
  add_custom_command(OUTPUT ${outs} ${cmds} DEPENDS flexllm-rtlgen
                     COMMENT "Generating RTL for ${arch}" VERBATIM)
  list(APPEND rtl_outputs ${outs})
endforeach()
add_custom_target(flexllm_rtl_sources DEPENDS ${rtl_outputs})
set(FLEXLLM_RTL_MODULES "${rtl_modules}" CACHE INTERNAL "generated modules (arch/module)")

set(models_bin "${CMAKE_CURRENT_BINARY_DIR}/models")
set(models_lib "${models_bin}/${CMAKE_STATIC_LIBRARY_PREFIX}flexllm_rtl_models${CMAKE_STATIC_LIBRARY_SUFFIX}")
string(REPLACE ";" "|" rtl_modules_arg "${rtl_modules}")
ExternalProject_Add(flexllm_rtl_models_build
  SOURCE_DIR "${CMAKE_CURRENT_SOURCE_DIR}/models"
  BINARY_DIR "${models_bin}"
  LIST_SEPARATOR |
  CMAKE_GENERATOR "${CMAKE_GENERATOR}"
  CMAKE_ARGS -DCMAKE_BUILD_TYPE=Release
             -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
             -DCMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER}
             -DFLEXLLM_SOURCE_DIR=${PROJECT_SOURCE_DIR}
             -DFLEXLLM_RTL_DIR=${FLEXLLM_RTL_DIR}
             -DFLEXLLM_RTL_MODULES=${rtl_modules_arg}
  BUILD_COMMAND ${CMAKE_COMMAND} --build "${models_bin}" -j 2
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
  BUILD_BYPRODUCTS "${models_lib}"
  DEPENDS flexllm_rtl_sources)

add_library(flexllm_rtl_models STATIC IMPORTED GLOBAL)
set_target_properties(flexllm_rtl_models PROPERTIES IMPORTED_LOCATION "${models_lib}")
target_link_libraries(flexllm_rtl_models INTERFACE Threads::Threads)
add_dependencies(flexllm_rtl_models flexllm_rtl_models_build)
