// The sandbox's own network namespace.
#pragma once

namespace containerv::linux_ {

// A new network namespace has lo down; programs expect 127.0.0.1 to work.
int bring_loopback_up();

}  // namespace containerv::linux_
