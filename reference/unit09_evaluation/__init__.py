"""Unit 9 -- performance evaluation (plain numpy).

Classification metrics (confusion matrix, accuracy, precision, recall, F1 with binary, macro,
micro and weighted averaging and a zero-division rule), ranking curves (ROC curve and AUC,
precision-recall curve and average precision), imbalanced data (the accuracy paradox, balanced
accuracy, class weights, choosing a decision threshold) and comparing two models on the same
test set (McNemar's test, a paired bootstrap confidence interval).
"""
