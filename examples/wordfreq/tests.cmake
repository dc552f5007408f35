# example.wordfreq (host world, included by examples/tests.cmake): the total
# must equal `wc -w` over the corpus and the top words a native count's.
include("${CMAKE_CURRENT_LIST_DIR}/../example_test.cmake")

lucidity_example_test(wordfreq "${CMAKE_CURRENT_LIST_DIR}/check.py"
                      --corpus "${CMAKE_CURRENT_LIST_DIR}/corpus")
