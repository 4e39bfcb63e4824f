# How the toolkit registers its tests. tests/CMakeLists.txt includes this
# before it adds its subfolders, so every tests/*/CMakeLists.txt can use
# events_add_valgrind_test(), the one valgrind command line.

# valgrind: one set of options for every valgrind.* test. An error, or a
# definite or indirect leak, fails the test with status 99.
if(EVENTS_VALGRIND)
  find_program(EVENTS_VALGRIND_EXECUTABLE valgrind)
  if(NOT EVENTS_VALGRIND_EXECUTABLE)
    message(FATAL_ERROR "EVENTS_VALGRIND=ON but valgrind is not installed")
  endif()
endif()
set(EVENTS_VALGRIND_OPTIONS
  --quiet --error-exitcode=99 --leak-check=full
  --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
  --track-origins=yes)

# events_add_valgrind_test(NAME <name> COMMAND <program> [<arg>...]
#                          [WRAPPER_LAST] [ENVIRONMENT <var>=<value>...]
#                          [TIMEOUT <seconds>])
#
# Adds valgrind.<name>, labelled valgrind, when EVENTS_VALGRIND is ON, and
# nothing otherwise. COMMAND runs under valgrind. With WRAPPER_LAST, COMMAND
# is a script that takes the valgrind command line as its last arguments
# and runs the program it checks through it.
function(events_add_valgrind_test)
  cmake_parse_arguments(V "WRAPPER_LAST" "NAME;TIMEOUT" "COMMAND;ENVIRONMENT" ${ARGN})
  if(NOT V_NAME OR NOT V_COMMAND)
    message(FATAL_ERROR "events_add_valgrind_test: NAME and COMMAND are required")
  endif()
  if(NOT EVENTS_VALGRIND)
    return()
  endif()
  set(valgrind ${EVENTS_VALGRIND_EXECUTABLE} ${EVENTS_VALGRIND_OPTIONS})
  if(V_WRAPPER_LAST)
    add_test(NAME valgrind.${V_NAME} COMMAND ${V_COMMAND} ${valgrind})
  else()
    add_test(NAME valgrind.${V_NAME} COMMAND ${valgrind} ${V_COMMAND})
  endif()
  set_tests_properties(valgrind.${V_NAME} PROPERTIES LABELS valgrind)
  if(V_ENVIRONMENT)
    set_tests_properties(valgrind.${V_NAME} PROPERTIES ENVIRONMENT "${V_ENVIRONMENT}")
  endif()
  if(V_TIMEOUT)
    set_tests_properties(valgrind.${V_NAME} PROPERTIES TIMEOUT ${V_TIMEOUT})
  endif()
endfunction()
