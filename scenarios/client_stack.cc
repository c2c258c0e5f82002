#include "scenarios/client_stack.h"

namespace nsxv::scenarios {

Result<HttpResponse> RequestRecorder::Send(const HttpRequest& request) {
  {
    MutexLock lock(&mu_);
    log_.push_back({request.method, std::string(request.Path())});
  }
  return inner_.Send(request);
}

void RequestRecorder::Record(RecordedRequest request) {
  MutexLock lock(&mu_);
  log_.push_back(std::move(request));
}

size_t RequestRecorder::size() const {
  MutexLock lock(&mu_);
  return log_.size();
}

std::vector<RecordedRequest> RequestRecorder::Since(size_t from) const {
  MutexLock lock(&mu_);
  if (from >= log_.size()) return {};
  return {log_.begin() + static_cast<std::ptrdiff_t>(from), log_.end()};
}

Result<HttpResponse> FaultSlot::Send(const HttpRequest& request) {
  std::shared_ptr<Transport> faults;
  {
    MutexLock lock(&mu_);
    faults = faults_;
  }
  return faults ? faults->Send(request) : inner_.Send(request);
}

void FaultSlot::Set(std::shared_ptr<Transport> faults) {
  MutexLock lock(&mu_);
  faults_ = std::move(faults);
}

Result<HttpResponse> NodeTransport::Send(const HttpRequest& request) {
  int64_t left = budget_.load();
  while (left > 0 && !budget_.compare_exchange_weak(left, left - 1)) {
  }
  if (left == 0) {
    return Status(StatusCode::kUnavailable, "node " + node_ +
                                                " crashed (scenario): " + request.method + " " +
                                                request.target + " not sent");
  }
  return inner_.Send(request);
}

}  // namespace nsxv::scenarios
