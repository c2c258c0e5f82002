// WriteGate: one write path per process in front of an SQLite file. Every SqliteDb on the same
// file in this process shares one gate (ForFile) and takes it before it writes: at BEGIN
// IMMEDIATE, or at the first writing statement, held until the connection is back in autocommit
// mode (commit, rollback, or the end of an autocommit write). A release wakes only the oldest
// waiter, but does not hand the gate to it: a thread that is already running may take it first
// (no convoy behind a woken thread that 2 busy cores have not scheduled yet), and the woken one
// waits again. So in-process writers wait on the gate instead of meeting SQLITE_BUSY and the
// busy handler's back-off sleeps, and a writer never starts a write transaction that would only
// wait on SQLite's lock.
//
// The gate is an optimisation, never the guard: SQLite's own file lock still serializes writers
// (other processes are not gated). So Acquire() gives up rather than deadlock: it returns false at
// once when the calling thread already holds the gate through another connection (SQLite then
// answers BUSY after its timeout, as without a gate), and after `timeout` of waiting.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "driver/common/mutex.h"
#include "driver/common/thread_annotations.h"

namespace nsxv::store {

class WriteGate {
 public:
  // The gate of the file at `path` (made absolute); nullptr for ":memory:" and "" (private
  // databases). Gates live as long as a connection holds them.
  static std::shared_ptr<WriteGate> ForFile(const std::string& path);

  // true: the caller holds the gate and must Release() it. false: not acquired (see above).
  bool Acquire(std::chrono::milliseconds timeout) EXCLUDES(mu_);
  // REQUIRES: the caller holds the gate.
  void Release() EXCLUDES(mu_);

 private:
  struct Waiter {
    CondVar cv;
  };

  Mutex mu_;
  bool held_ GUARDED_BY(mu_) = false;
  std::thread::id owner_ GUARDED_BY(mu_);
  std::deque<Waiter*> queue_ GUARDED_BY(mu_);
};

}  // namespace nsxv::store
