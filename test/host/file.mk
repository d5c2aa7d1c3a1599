# test_ledit: the line editor behind l4_readline (libl4/src/ledit.c).
$(eval $(call host_test,test_ledit,test/host/test_ledit.c libl4/src/ledit.c))
$(B)/host/test_ledit: HOST_CFLAGS += -Ilibl4/include
$(B)/host/test_ledit: libl4/include/l4/ledit.h
