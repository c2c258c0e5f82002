// IPAM: IPv4 address allocation from a subnet's allocation pools, stored in `ipallocations`.
//
// Safety across threads and processes: (subnet_id, ip) is the table's primary key, so no address
// can be handed out twice, whatever happens. On SQLite the allocation runs in an IMMEDIATE
// transaction (the write lock, shared by every connection and process on the file), so
// allocators queue. On MariaDB (InnoDB, REPEATABLE READ) allocators run side by side: two that
// read the same cursor try the same address, and the loser meets the primary key (duplicate ->
// kConflict) or a deadlock on the subnet row (1213 -> kUnavailable). RunInTransaction retries the
// whole unit of work on both, as Neutron's retry decorator does.
//
// Cost: each subnet keeps a cursor (the address after the last one handed out). The next
// address is the cursor itself when free (one index probe), otherwise the end of the run of
// allocated addresses starting there, found by one indexed query; after the last pool the
// search wraps around to the first, so released addresses are reused. Allocating n addresses in
// a fresh /17 is O(n log n) overall, not O(n^2).
//
// Threading: as the Context. REQUIRES: a transaction is open on the Context (these functions
// are steps of a larger unit of work such as creating a port).
#pragma once

#include <functional>
#include <string>

#include "driver/common/status.h"
#include "driver/store/context.h"
#include "driver/store/neutron_db.h"

namespace nsxv::store {

// Allocates the next free address of the subnet for the port. kResourceExhausted naming the
// subnet when the pools are full; kNotFound for an unknown subnet.
Result<std::string> AllocateIp(Context& ctx, const std::string& subnet_id,
                               const std::string& port_id, const std::string& network_id);

// Allocates a requested address. InvalidArgument when it is not an address of the subnet's
// CIDR, is the network/broadcast address or the gateway; kAlreadyExists when it is taken.
Status AllocateSpecificIp(Context& ctx, const std::string& subnet_id, const std::string& ip,
                          const std::string& port_id, const std::string& network_id);

// Runs `body` in one IMMEDIATE transaction and commits it. On kUnavailable (SQLite busy,
// MariaDB deadlock or lock-wait timeout) or kConflict (lost a race) the transaction is rolled
// back and the body run again, up to `max_attempts` times. Between attempts it sleeps on
// ctx.clock() for a jittered, growing interval (as oslo.db's wrap_db_retry with jitter): a
// uniformly random time between half and all of a cap that starts at 1 ms and doubles up to 100 ms,
// so colliding writers in other processes do not retry in step. Inside an already open transaction
// the body runs once, in a savepoint (the outermost call retries).
Status RunInTransaction(Context& ctx, const std::function<Status()>& body, int max_attempts = 50);

}  // namespace nsxv::store
