// fake-nsxv: the fake NSX-v manager as a standalone HTTPS server, and a self-demo (--demo) that
// starts one and drives a scripted NSX flow through it with the probe client. The flags and the
// run logic live in fake_cli.h (shared with `nsxv-md fake`).
#include "fake_nsxv/fake_cli.h"

int main(int argc, char** argv) { return nsxv::fake::FakeMain(argc, argv); }
