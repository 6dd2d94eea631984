// Command pause is the pod sandbox's process for the real-node e2e (test/harness/node): it holds
// the pod's namespaces, reaps orphaned children (it is PID 1 of the pod) and exits on SIGINT or
// SIGTERM — what Kubernetes' own pause image does, as a static Go binary so the image needs no
// registry and no C toolchain.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
