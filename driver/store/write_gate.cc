#include "driver/store/write_gate.h"

#include <algorithm>
#include <filesystem>
#include <map>

namespace nsxv::store {
namespace {

struct Registry {
  Mutex mu;
  std::map<std::string, std::weak_ptr<WriteGate>> gates GUARDED_BY(mu);
};

Registry& TheRegistry() {
  static Registry* const registry = new Registry();  // never destroyed: used until exit
  return *registry;
}

}  // namespace

std::shared_ptr<WriteGate> WriteGate::ForFile(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.starts_with("file:")) return nullptr;
  std::error_code ec;
  std::string key = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (ec) key = path;
  Registry& r = TheRegistry();
  MutexLock lock(&r.mu);
  auto& registry = r.gates;
  std::weak_ptr<WriteGate>& slot = registry[key];
  std::shared_ptr<WriteGate> gate = slot.lock();
  if (!gate) {
    gate = std::make_shared<WriteGate>();
    slot = gate;
  }
  // Bounded: drop the entries of gates no connection holds any more.
  std::erase_if(registry, [](const auto& entry) { return entry.second.expired(); });
  return gate;
}

bool WriteGate::Acquire(std::chrono::milliseconds timeout) {
  const std::thread::id self = std::this_thread::get_id();
  MutexLock lock(&mu_);
  if (held_ && owner_ == self) return false;
  if (!held_) {
    held_ = true;
    owner_ = self;
    return true;
  }
  Waiter me;
  queue_.push_back(&me);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (held_) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    me.cv.WaitFor(&mu_, deadline - now);
  }
  queue_.erase(std::find(queue_.begin(), queue_.end(), &me));
  if (held_) return false;
  held_ = true;
  owner_ = self;
  return true;
}

void WriteGate::Release() {
  MutexLock lock(&mu_);
  owner_ = std::thread::id();
  held_ = false;
  // The oldest waiter is woken; a thread that arrives first may take the gate before it runs
  // (no hand-off to a thread that is not scheduled yet), and the woken one waits again.
  if (!queue_.empty()) queue_.front()->cv.Signal();
}

}  // namespace nsxv::store
