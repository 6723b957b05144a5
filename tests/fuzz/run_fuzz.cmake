# Runs one fuzz target for a bounded time on a scratch copy of its checked-in corpus (the copy
# collects the new inputs; the checked-in files are never modified). Crash, leak, timeout and OOM
# inputs land in WORK/artifacts. Called by the `fuzz` CTest label and ci/fuzz.sh:
#   cmake -DEXE=<target> -DCORPUS=<dir> -DWORK=<dir> -DSECONDS=<n> [-DDICT=<file>] -P run_fuzz.cmake
foreach(v EXE CORPUS WORK SECONDS)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_fuzz.cmake: -D${v}=... is required")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK}/corpus")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/artifacts")
file(GLOB seeds "${CORPUS}/*")
if(seeds)
  file(COPY ${seeds} DESTINATION "${WORK}/corpus")
endif()
set(args "${WORK}/corpus" -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
         -malloc_limit_mb=2048 -artifact_prefix=${WORK}/artifacts/ -print_final_stats=1)
if(DICT AND EXISTS "${DICT}")
  list(APPEND args -dict=${DICT})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env "UBSAN_OPTIONS=print_stacktrace=1"
                        "${EXE}" ${args} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "run_fuzz.cmake: ${EXE} found a problem (exit ${rc}); the input is in "
                      "${WORK}/artifacts")
endif()
