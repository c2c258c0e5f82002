// Small string helpers shared by the layers (no dependencies beyond the standard library).
#pragma once

#include <string>
#include <vector>

namespace nsxv {

// "a, b, c": the items with `separator` between them.
std::string Join(const std::vector<std::string>& items, const std::string& separator = ", ");

}  // namespace nsxv
