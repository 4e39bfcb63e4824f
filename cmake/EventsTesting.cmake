# How the toolkit registers its tests. tests/CMakeLists.txt includes this
# before it adds its subfolders, so every tests/*/CMakeLists.txt can use:
#
#   events_add_valgrind_test()     the one valgrind command line
#   events_add_integration_test()  a test against a broker that a CTest
#                                  fixture starts and stops
#
# Labels:
#   unit         no broker, no network beyond 127.0.0.1 (also run under
#                valgrind and the sanitizers)
#   valgrind     the valgrind.* twins of the unit tests
#   lint         the text of the tree: the format check
#   integration  against a broker: kafka (a real Apache Kafka) or devbroker
#   fixture      the tests that start and stop those brokers
#   timing       the outcome, or what the test exercises, depends on
#                sleeps, kills or time bounds: the first to suspect on a
#                loaded machine; `ctest -LE timing` leaves them out

# Where the broker fixtures keep their state: the addresses the tests read
# (kafka.env, devbroker.env), the brokers' folders and logs.
set(EVENTS_TEST_BROKERS_DIR ${PROJECT_BINARY_DIR}/test-brokers)

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

# events_add_integration_test(NAME <name> BROKER kafka|devbroker
#                             COMMAND <command> [<arg>...] [LABELS <label>...])
#
# Adds integration.<broker>.<name>, labelled integration and <broker>. It
# requires the fixture of its broker: CTest runs fixture.<broker>.start
# before it and fixture.<broker>.stop after the last test that needs the
# broker, whether the test was picked by a label, by -R, or by plain ctest.
# The test reads the broker's address as tests/integration/lib.sh does:
# from EVENTS_TEST_<BROKER>_BROKERS when it is exported, else from the
# fixture's state file (EVENTS_TEST_BROKERS_DIR/<broker>.env).
function(events_add_integration_test)
  cmake_parse_arguments(I "" "NAME;BROKER" "COMMAND;LABELS" ${ARGN})
  if(NOT I_NAME OR NOT I_COMMAND OR NOT I_BROKER MATCHES "^(kafka|devbroker)$")
    message(FATAL_ERROR "events_add_integration_test: NAME, COMMAND and "
                        "BROKER kafka|devbroker are required")
  endif()
  set(test integration.${I_BROKER}.${I_NAME})
  set(labels integration ${I_BROKER} ${I_LABELS})
  add_test(NAME ${test} COMMAND ${I_COMMAND})
  set_tests_properties(${test} PROPERTIES
    LABELS "${labels}"
    FIXTURES_REQUIRED ${I_BROKER}
    TIMEOUT 600
    ENVIRONMENT "${EVENTS_TEST_ENV};EVENTS_TEST_BROKER_KIND=${I_BROKER}")
endfunction()
