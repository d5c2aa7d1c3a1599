# test_ledit: the line editor behind l4_readline (libl4/src/ledit.c).
$(eval $(call host_test,test_ledit,test/host/test_ledit.c libl4/src/ledit.c))
$(B)/host/test_ledit: HOST_CFLAGS += -Ilibl4/include
$(B)/host/test_ledit: libl4/include/l4/ledit.h
# test_file: the POSIX-shaped file layer (libl4/src/file.c) over a model of the file server.
$(eval $(call host_test,test_file,test/host/test_file.c test/host/fake_fs.c libl4/src/file.c libl4/src/strerror.c common/fmt.c))
$(B)/host/test_file: HOST_CFLAGS += -Ilibl4/include -Ilibl4/proto
$(B)/host/test_file: libl4/include/l4/file.h libl4/proto/l4/fs.h test/host/fake_fs.h
