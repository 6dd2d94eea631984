//go:build tools

// Package tools pins the Kubernetes main packages so `go mod tidy` keeps their dependencies:
// kube-apiserver for the dev control plane (build-control-plane.sh), and the node and the
// other control-plane components for the real-node e2e (build-node.sh).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
