"""Unit 6 -- recurrent networks.

The vanilla RNN, LSTM and GRU cells, forward and backward (backpropagation through time over
whole sequences), in numpy with torch's gate conventions; parameter counts; vanishing gradients
(the norm of dh_T/dh_0 and its geometric bound); gradient clipping.
"""
