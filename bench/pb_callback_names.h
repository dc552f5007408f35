/*
 * pb_callback_names.h - force-included into bench/'s second build of nanopb
 * (lucbench_nanopb_cb) and into lucbench_cb.c: nanopb with callback streams,
 * under names of its own. lucidity's nanopb is built with PB_BUFFER_ONLY
 * (streams are memory buffers: no indirect call per byte), so the one
 * baseline that needs the old callback path (figure 4w's "before": one host
 * call per nanopb write) links this copy instead; both live in lucbench.
 */
#ifndef LUC_BENCH_PB_CALLBACK_NAMES_H
#define LUC_BENCH_PB_CALLBACK_NAMES_H
#define pb_close_string_substream cbpb_close_string_substream
#define pb_decode cbpb_decode
#define pb_decode_bool cbpb_decode_bool
#define pb_decode_double_as_float cbpb_decode_double_as_float
#define pb_decode_ex cbpb_decode_ex
#define pb_decode_fixed32 cbpb_decode_fixed32
#define pb_decode_fixed64 cbpb_decode_fixed64
#define pb_decode_svarint cbpb_decode_svarint
#define pb_decode_tag cbpb_decode_tag
#define pb_decode_varint cbpb_decode_varint
#define pb_decode_varint32 cbpb_decode_varint32
#define pb_default_field_callback cbpb_default_field_callback
#define pb_encode cbpb_encode
#define pb_encode_ex cbpb_encode_ex
#define pb_encode_fixed32 cbpb_encode_fixed32
#define pb_encode_fixed64 cbpb_encode_fixed64
#define pb_encode_float_as_double cbpb_encode_float_as_double
#define pb_encode_string cbpb_encode_string
#define pb_encode_submessage cbpb_encode_submessage
#define pb_encode_svarint cbpb_encode_svarint
#define pb_encode_tag cbpb_encode_tag
#define pb_encode_tag_for_field cbpb_encode_tag_for_field
#define pb_encode_varint cbpb_encode_varint
#define pb_field_iter_begin cbpb_field_iter_begin
#define pb_field_iter_begin_const cbpb_field_iter_begin_const
#define pb_field_iter_begin_extension cbpb_field_iter_begin_extension
#define pb_field_iter_begin_extension_const cbpb_field_iter_begin_extension_const
#define pb_field_iter_find cbpb_field_iter_find
#define pb_field_iter_find_extension cbpb_field_iter_find_extension
#define pb_field_iter_next cbpb_field_iter_next
#define pb_get_encoded_size cbpb_get_encoded_size
#define pb_istream_from_buffer cbpb_istream_from_buffer
#define pb_make_string_substream cbpb_make_string_substream
#define pb_ostream_from_buffer cbpb_ostream_from_buffer
#define pb_read cbpb_read
#define pb_release cbpb_release
#define pb_skip_field cbpb_skip_field
#define pb_validate_utf8 cbpb_validate_utf8
#define pb_write cbpb_write
#endif
