# remote.mk: --guest remote runs benches in an existing VM over OpenSSH; its
# end-to-end tests start a throwaway sshd on 127.0.0.1. Included by the Makefile.
DEPS_PKGS += openssh-client openssh-server
