// Hand-written (not generated) SystemVerilog: flexllm_attn_context, the A * V core of one
// attention group (golden/NUMERICS.md §2.9): acc[r][d] = sum_j p8[r][j] * v8[set(r)][j][d] (int32,
// exact), ctx[r][d] = sat32(rshift_rnd(acc[r][d] * m_r, shift_r)) (exact 48-bit product, round
// half up, shift <= 62). Per group: s_axis_hdr {nrows, qpos0} gives row r's key count
// n_r = p_r + 1 (p_r = qpos0 + r with TOKEN_ROWS, else qpos0; n_r = 0 for r >= nrows) and the
// block count nblk = ceil(n_max / K), n_max = n_{nrows-1}; s_axis_m the R row multipliers;
// per block one s_axis_p beat (taken with the block's first v beat from a one-beat buffer, held,
// masked to 0 where j >= n_r) and cfg_head_dim s_axis_v beats (one dimension d each): R x K MACs
// and one adder tree per row into the R x HD_MAX int32 accumulators (the first block overwrites).
// Output beat d (R multipliers, one beat per cycle, one output register) is read as soon as the
// last block has written acc[.][d], so it overlaps the last block; the next group's first block
// overwrites acc[.][d] only after beat d has been read (a ready flag per d), so groups overlap
// too. The header, multiplier and p streams each have a one-beat buffer; every tready depends on
// registers only (no path from any tvalid or from m_axis_ctx_tready). Without stalls and with
// cfg_head_dim >= 2, G back-to-back groups take cfg_head_dim * (nblk_0 + ... + nblk_{G-1}) + 3
// cycles from the first input beat accepted (on any port) to the last output beat accepted (both
// counted), one group nblk * cfg_head_dim + 3 (cfg_head_dim = 1: one more cycle per block);
// data-independent. Faults (FAULT): 1 ctx-truncate, 2 ctx-lose-stalled (see the parameter).
module flexllm_attn_context #(
    parameter int R = 4,           // query rows in flight (prefill attn_tp, decode heads_parallel)
    parameter int K = 4,           // keys per beat (prefill attn_kv, decode kv_parallel)
    parameter int SETS = 1,        // value sets per v beat: 1 (row r uses set 0) or R (set r)
    parameter int TOKEN_ROWS = 1,  // 1: row r at position qpos0 + r (prefill); 0: all at qpos0
    parameter int HD_MAX = 64,     // largest head_dim (1 <= cfg_head_dim <= HD_MAX <= 65535)
    parameter int FAULT = 0        // 0 none, 1 ctx-truncate (the output shift truncates instead
                                   // of rounding half up), 2 ctx-lose-stalled (the output
                                   // register loads while stalled: beats lost under backpressure)
) (
    input  logic                clk,
    input  logic                rst,                // synchronous, active high
    input  logic [15:0]         cfg_head_dim,       // head_dim, 1..HD_MAX (static while busy)
    input  logic                s_axis_hdr_tvalid,
    output logic                s_axis_hdr_tready,
    input  logic [31:0]         s_axis_hdr_tdata,   // {nrows[31:16] (1..R), qpos0[15:0]}
    input  logic                s_axis_hdr_tlast,   // 1 (one beat per group)
    input  logic                s_axis_m_tvalid,
    output logic                s_axis_m_tready,
    input  logic [R*22-1:0]     s_axis_m_tdata,     // lane r: {shift[21:16] (0..62), m[15:0]}
    input  logic                s_axis_m_tlast,     // 1 (one beat per group)
    input  logic                s_axis_p_tvalid,
    output logic                s_axis_p_tready,
    input  logic [R*K*8-1:0]    s_axis_p_tdata,     // element r * K + k: p8[r][blk * K + k], uint8
    input  logic                s_axis_p_tlast,     // last block of a group
    input  logic                s_axis_v_tvalid,
    output logic                s_axis_v_tready,
    input  logic [SETS*K*8-1:0] s_axis_v_tdata,     // element s * K + k: v[s][blk * K + k][d], int8
    input  logic                s_axis_v_tlast,     // beat (nblk - 1, cfg_head_dim - 1)
    output logic                m_axis_ctx_tvalid,
    input  logic                m_axis_ctx_tready,
    output logic [R*32-1:0]     m_axis_ctx_tdata,   // beat d, element r: ctx[r][d] (0: r >= nrows)
    output logic                m_axis_ctx_tlast,   // beat cfg_head_dim - 1
    output logic                status_err          // sticky: an input tlast off the last beat
);
    localparam int PW = 18;                             // key counts: qpos0 + R fits
    localparam int DW = HD_MAX > 1 ? $clog2(HD_MAX) : 1;
    localparam int KP = K > 1 ? 1 << $clog2(K) : 1;     // adder-tree leaves (K padded)
    localparam int SW = 16 + $clog2(KP);                // a row's block sum: K products of 16 bits

    // ---- group state (the accumulating group) ------------------------------------------------
    logic g_active;                  // a group's header loaded, v beats outstanding
    logic [PW-1:0] g_nmax;           // keys of the last valid row
    logic [PW-1:0] blk_base;         // first key of the current block, blk * K
    logic [DW-1:0] vd;               // dimension of the next v beat
    logic hb_valid, pb_valid, pb_last, mb_valid, mc_valid, err;
    logic [31:0] hb_data;            // the buffered next header
    logic [R*K*8-1:0] pb_data;       // the buffered next p beat (unmasked)
    logic [R*K*8-1:0] p_cur;         // the current block's p beat, masked
    logic [R*22-1:0] mb_data, mc_data;  // buffered next / current output group's multipliers
    logic [HD_MAX-1:0] ready;        // acc[.][d] final, output beat d not yet read
    // ---- output state ------------------------------------------------------------------------
    logic [DW-1:0] od;               // dimension of the next output beat
    logic q_valid, q_last;
    logic [R*32-1:0] q_data, q_next;

    // The next group's header comes from the buffer, or straight from the port when it is empty.
    assign s_axis_hdr_tready = !hb_valid;
    wire hdr_fire = s_axis_hdr_tvalid && s_axis_hdr_tready;
    wire [31:0] h_src = hb_valid ? hb_data : s_axis_hdr_tdata;
    wire [15:0] h_nrows = h_src[31:16];
    wire [15:0] h_qpos0 = h_src[15:0];
    wire [PW-1:0] h_nmax = PW'(h_qpos0) + (TOKEN_ROWS != 0 ? PW'(h_nrows) : PW'(1));

    // v beats: a block's first beat takes the buffered p beat; every beat waits until the output
    // has read the previous group's acc[.][d] (ready[d] low).
    assign s_axis_p_tready = !pb_valid;
    wire p_fire = s_axis_p_tvalid && s_axis_p_tready;
    wire v_first = (vd == '0);
    wire blk_last = (blk_base + PW'(K) >= g_nmax);
    wire d_last = (16'(vd) == cfg_head_dim - 16'd1);
    wire v_ok = g_active && !ready[vd] && (!v_first || pb_valid);
    assign s_axis_v_tready = v_ok;
    wire v_fire = s_axis_v_tvalid && v_ok;
    wire v_end = v_fire && blk_last && d_last;  // the group's last v beat
    wire g_load = (!g_active || v_end) && (hb_valid || hdr_fire);

    assign s_axis_m_tready = !mb_valid;
    wire m_fire = s_axis_m_tvalid && s_axis_m_tready;

    // The output register is free when empty or read this cycle (ctx-lose-stalled: always).
    wire out_free = (FAULT == 2) ? 1'b1 : (!q_valid || m_axis_ctx_tready);
    wire rd = ready[od] && (mc_valid || mb_valid) && out_free;
    wire od_last = (16'(od) == cfg_head_dim - 16'd1);
    wire [R*22-1:0] mult = mc_valid ? mc_data : mb_data;

    // Row sum of one block: a balanced adder tree over the K (padded to KP) products.
    function automatic logic signed [SW-1:0] tree_sum(input logic [KP*16-1:0] prods);
        logic [KP*SW-1:0] t;  // t[i]: node i of the current level
        for (int i = 0; i < KP; i++) t[i*SW+:SW] = SW'($signed(prods[i*16+:16]));
        for (int w = KP / 2; w >= 1; w = w / 2)
            for (int i = 0; i < w; i++) t[i*SW+:SW] = t[2*i*SW+:SW] + t[(2*i+1)*SW+:SW];
        tree_sum = t[SW-1:0];
    endfunction

    // 2^(shift - 1), the rounding bias (none for shift 0; ctx-truncate: none at all)
    function automatic logic signed [63:0] half_of(input logic [5:0] shift);
        half_of = (FAULT == 1 || shift == 6'd0) ? 64'sd0 : 64'sd1 <<< (shift - 6'd1);
    endfunction

    logic [R*K*8-1:0] p_mask;   // the buffered p beat masked for the current block
    for (genvar r = 0; r < R; r++) begin : g_row
        localparam int S = (SETS == 1) ? 0 : r;  // the row's value set
        logic signed [31:0] acc[HD_MAX];         // written by block 0 before any read
        logic [PW-1:0] g_n;                      // the group's keys of row r (0: r >= nrows)
        wire [PW-1:0] h_n = (16'(r) < h_nrows) ? PW'(h_qpos0) + PW'(TOKEN_ROWS != 0 ? r + 1 : 1) :
                                                 PW'(0);
        logic [KP*16-1:0] prods;
        for (genvar k = 0; k < KP; k++) begin : g_key
            if (k < K) begin : g_mac
                assign p_mask[(r*K+k)*8+:8] = (blk_base + PW'(k) < g_n) ?
                                              pb_data[(r*K+k)*8+:8] : 8'd0;
                wire [7:0] pk = v_first ? p_mask[(r*K+k)*8+:8] : p_cur[(r*K+k)*8+:8];
                // uint8 x int8: -32640 .. 32385, exact in 16 bits
                wire signed [15:0] pv = $signed({1'b0, pk}) * $signed(s_axis_v_tdata[(S*K+k)*8+:8]);
                assign prods[k*16+:16] = pv;
            end else begin : g_pad
                assign prods[k*16+:16] = 16'd0;
            end
        end
        wire signed [SW-1:0] bsum = tree_sum(prods);
        wire signed [31:0] acc_in = (blk_base == '0) ? 32'sd0 : acc[vd];
        always_ff @(posedge clk) begin
            if (v_fire) acc[vd] <= acc_in + 32'(bsum);
            if (g_load) g_n <= h_n;
        end

        // output lane r: sat32(rshift_rnd(acc * m, shift)), |acc * m| < 2^47
        wire [15:0] m = mult[r*22+:16];
        wire [5:0] shift = mult[r*22+16+:6];
        wire signed [31:0] a = acc[od];
        wire signed [47:0] prod = a * $signed({1'b0, m});
        wire signed [63:0] biased = 64'(prod) + half_of(shift);  // |.| < 2^62
        wire signed [63:0] y = biased >>> shift;
        wire ovf = !(&y[63:31] || !(|y[63:31]));
        assign q_next[r*32+:32] = ovf ? {y[63], {31{!y[63]}}} : y[31:0];
    end

    always_ff @(posedge clk) begin
        if (p_fire) begin
            pb_data <= s_axis_p_tdata;
            pb_last <= s_axis_p_tlast;
        end
        if (v_fire && v_first) p_cur <= p_mask;
        if (m_fire) mb_data <= s_axis_m_tdata;
        if (rd && !mc_valid) mc_data <= mb_data;
        if (hdr_fire && !(g_load && !hb_valid)) hb_data <= s_axis_hdr_tdata;
        if (g_load) g_nmax <= h_nmax;
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            g_active <= 1'b0;
            blk_base <= '0;
            vd <= '0;
            hb_valid <= 1'b0;
            pb_valid <= 1'b0;
            mb_valid <= 1'b0;
            mc_valid <= 1'b0;
            ready <= '0;
            od <= '0;
            q_valid <= 1'b0;
            q_last <= 1'b0;
            q_data <= '0;
            err <= 1'b0;
        end else begin
            // input buffers
            if (hdr_fire && !(g_load && !hb_valid)) hb_valid <= 1'b1;
            else if (g_load && hb_valid) hb_valid <= 1'b0;
            if (p_fire) pb_valid <= 1'b1;
            else if (v_fire && v_first) pb_valid <= 1'b0;
            if (m_fire) mb_valid <= 1'b1;
            else if (rd && !mc_valid) mb_valid <= 1'b0;
            if (hdr_fire && !s_axis_hdr_tlast) err <= 1'b1;
            if (m_fire && !s_axis_m_tlast) err <= 1'b1;
            if (v_fire && v_first && pb_last != blk_last) err <= 1'b1;
            if (v_fire && s_axis_v_tlast != (blk_last && d_last)) err <= 1'b1;

            // accumulation
            if (v_fire) begin
                if (d_last) begin
                    vd <= '0;
                    blk_base <= blk_base + PW'(K);
                end else begin
                    vd <= vd + DW'(1);
                end
                if (blk_last) ready[vd] <= 1'b1;
            end
            if (g_load) begin
                g_active <= 1'b1;
                blk_base <= '0;
                vd <= '0;
            end else if (v_end) begin
                g_active <= 1'b0;
            end

            // output
            if (m_axis_ctx_tready) q_valid <= 1'b0;
            if (rd) begin
                ready[od] <= 1'b0;
                q_valid <= 1'b1;
                q_data <= q_next;
                q_last <= od_last;
                if (od_last) begin
                    od <= '0;
                    mc_valid <= 1'b0;
                end else begin
                    od <= od + DW'(1);
                    mc_valid <= 1'b1;
                end
            end
        end
    end

    assign m_axis_ctx_tvalid = q_valid;
    assign m_axis_ctx_tdata = q_data;
    assign m_axis_ctx_tlast = q_last;
    assign status_err = err;
endmodule
