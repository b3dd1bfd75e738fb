// The pipeline the tests share: built once from the embedded defaults.
#ifndef TELGUARD_TESTS_PIPELINE_FIXTURE_H_
#define TELGUARD_TESTS_PIPELINE_FIXTURE_H_

#include <stdexcept>
#include <string>

#include "pipeline/pipeline.h"

namespace telguard::testing {

inline const Pipeline& SharedPipeline() {
  static const auto p = [] {
    std::string error;
    auto x = Pipeline::Create({}, &error);
    if (!x) throw std::runtime_error(error);
    return x;
  }();
  return *p;
}

}  // namespace telguard::testing

#endif  // TELGUARD_TESTS_PIPELINE_FIXTURE_H_
